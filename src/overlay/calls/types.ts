// The contract between the main bundle's small calls module and the call pack (tandem-calls.js).
// Types only: nothing here ends up in either bundle.
import type { CallView } from '../../features/calls/messages.js';
import type { OverlayContext, ToolbarButton } from '../core/types.js';

export type { CallView };
export interface RingPayload {
  call: CallView;
  from: { userId: string; name: string };
  urgent: boolean;
}
export interface CallPack {
  /** Starts a call: from a help request (its other party) or with everyone else on the page. */
  call(o: { helpRequestId?: string }): void;
  ring(p: RingPayload): void;
  dispose(): void;
}
/** What the pack's script puts on window; the main bundle starts one per mount. */
export type StartCallPack = (ctx: OverlayContext, kit: { lang: string; errorText(e: { code: string; message: string }): string; tool: ToolbarButton }) => CallPack;
export interface CallService {
  call(o: { helpRequestId?: string }): void;
}
