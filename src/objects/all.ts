/**
 * Loads every object module, so that each registers how its objects are
 * destroyed. Every thread that can free objects (tasks and the supervisor)
 * imports this.
 */
import './port.js';
import './channel.js';
import './ring.js';
import './semaphore.js';
import './mailbox.js';
