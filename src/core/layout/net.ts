/**
 * The network block (docs/objects/network.md; src/objects/network/network.ts): one
 * per kernel, NET_WORDS words from H_OFF_NET, starting on a pair of cache
 * lines. Who gets the frames a network interface delivers, and a counter
 * for every delivery, drop and refusal.
 *
 * Registrations (NET_DRIVER and the port table) change under the kernel
 * lock and are released when their task is reaped; delivery reads them
 * without the lock and never uses a registration whose task is not live.
 * NET_TX is set and cleared under the kernel lock as an interface attaches
 * and detaches. The counters are added to with atomics, without the lock.
 */

/** Pid of the network driver task (0: none). */
export const NET_DRIVER = 0;
/** Object slot + 1 of the transmit queue of the attached interface (0: none attached). */
export const NET_TX = 1;
/** Frames the interface handed to the kernel. */
export const NET_FRAMES_IN = 2;
/** Delivered to the task bound to the frame's TCP destination port, or to the driver. */
export const NET_TO_PORT = 3;
export const NET_TO_DRIVER = 4;
/** Dropped: no port binding and no driver; the target's mailbox full; longer than FRAME_MAX_BYTES; shorter than an Ethernet header. */
export const NET_DROP_NO_ROUTE = 5;
export const NET_DROP_FULL = 6;
export const NET_DROP_TOO_BIG = 7;
export const NET_DROP_RUNT = 8;
/** Frames the driver queued for transmission, and those refused because the queue was full. */
export const NET_TX_FRAMES = 9;
export const NET_TX_REFUSED = 10;
/** net_register calls refused (EBUSY, ENOSPC). */
export const NET_REGISTER_REFUSED = 11;
/** The port table: NET_PORT_ENTRIES × (TCP port, pid); pid 0 = free. */
export const NET_PORTS = 16;
export const NET_PORT_ENTRIES = 16;
export const NET_PORT_WORDS = 2;
export const NET_WORDS = NET_PORTS + NET_PORT_ENTRIES * NET_PORT_WORDS;
