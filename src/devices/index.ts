/**
 * kipc/devices: the frame links and keyboard helpers a kernel's devices run
 * on (Node only: they use sockets, files and terminals). The devices
 * themselves attach through the kernel: `kernel.attachNetwork(link)`,
 * `kernel.attachKeyboard()`.
 */
export { UdpFrameLink } from './udp-link.js';
export type { UdpEndpoint, UdpFrameLinkOptions, UdpFrameLinkStats } from './udp-link.js';
export { PcapReplayLink, readPcap, writePcap, LINKTYPE_ETHERNET } from './pcap.js';
export type { PcapCapture, PcapFrame, PcapFrameToWrite, WritePcapOptions, PcapReplayOptions, PcapReplayStats, ReplayPace } from './pcap.js';
export { ScancodeTranslator, scancodesFor, decodeScancodes, decodeScancodeEvents, keyNameOf } from './scancodes.js';
export type { KeyEvent } from './scancodes.js';
export { openTerminalKeys } from './terminal-keys.js';
export type { TerminalKeys, TerminalKeysOptions } from './terminal-keys.js';
export * from './ethernet.js';
export type { FrameLink } from './frame-link.js';
