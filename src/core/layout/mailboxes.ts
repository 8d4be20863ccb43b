/**
 * Mailboxes (rou2exOS, docs/objects/mailbox.md; src/objects/mailbox/mailbox.ts): a
 * task's queue of MAILBOX_CAPACITY byte messages, and the network
 * interface's transmit queue of NET_TX_CAPACITY frames.
 *
 * Not a table of the region: a mailbox is an object (OBJ_MAILBOX) whose
 * ring of slots lies in pool pages (O_RING, O_PAGES of its record). The
 * slot layout is declared here: each slot has its own buffer, header words
 * then up to FRAME_MAX_BYTES bytes (a task's send carries at most
 * MAILBOX_MESSAGE_BYTES; a network frame up to FRAME_MAX_BYTES). A sender
 * fills the slot at the tail under the queue's send lock, the owner empties
 * the slot at the head under the receive lock (queues.ts); neither takes
 * the kernel lock.
 */
import { LINE_PAIR_WORDS } from './cache-lines.js';

export const MAILBOX_CAPACITY = 10;
export const MAILBOX_MESSAGE_BYTES = 512;
export const FRAME_MAX_BYTES = 2048;
/** Slot header words: payload length in bytes, sender pid (0: a device), kind. */
export const MB_LENGTH = 0;
export const MB_SENDER = 1;
export const MB_KIND = 2;
/** Word of the slot where the payload starts. */
export const MB_PAYLOAD = 4;
export const MAILBOX_SLOT_WORDS = Math.ceil((MB_PAYLOAD + FRAME_MAX_BYTES / 4) / LINE_PAIR_WORDS) * LINE_PAIR_WORDS;
/** A message a task sent, and an Ethernet frame the network interface delivered. */
export const MAIL_KIND_DATA = 0;
export const MAIL_KIND_FRAME = 1;
/** How many frames the driver may have queued for the interface to transmit. */
export const NET_TX_CAPACITY = 64;
