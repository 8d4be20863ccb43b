/**
 * Loads every object module, so that each registers how its objects are
 * destroyed. Every thread that can free objects (tasks and the supervisor)
 * imports this.
 */
import './port/port.js';
import './channel/channel.js';
import './ring/ring.js';
import './semaphore/semaphore.js';
import './mailbox/mailbox.js';
