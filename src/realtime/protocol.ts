/**
 * Socket.IO protocol versions (docs/protocol.md#versions). Pure constants: the overlay bundles
 * this module too, so client and server cannot disagree on the number.
 */
export const PROTOCOL_VERSION = 1;
/** What a client may announce in `auth.protocol`; anything else is refused with `unsupported_protocol`. */
export const SUPPORTED_PROTOCOLS: readonly number[] = [PROTOCOL_VERSION];
