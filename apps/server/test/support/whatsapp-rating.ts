/**
 * The customer's answer to the rating question after a conversation closes (issue 14):
 * wait until Switchboard sent them the question (an interactive list with rows
 * `rating:1` … `rating:5`), then pick the row for `score` over a signed webhook, as
 * WhatsApp delivers a list reply (the row's id and the title the question gave it).
 */
import { waitFor } from './pbx.js';
import type { TestServer } from './server.js';
import { deliverWebhook, messagePayload, type GraphStub, type WhatsAppChannelSecrets } from './whatsapp-graph-stub.js';

interface RatingRow {
  id: string;
  title: string;
}

/** The rows of the rating question sent to `to`, once it was sent. */
async function ratingQuestionRows(graph: GraphStub, to: string): Promise<RatingRow[]> {
  let rows: RatingRow[] | undefined;
  await waitFor(() => {
    for (const { body } of graph.requests) {
      const interactive = body.interactive as
        { type?: string; action?: { sections?: { rows?: RatingRow[] }[] } } | undefined;
      const found = interactive?.action?.sections?.flatMap((s) => s.rows ?? []) ?? [];
      const isToCustomer = body.to.replace(/\D/g, '') === to.replace(/\D/g, '');
      if (isToCustomer && interactive?.type === 'list' && found.some((r) => r.id.startsWith('rating:'))) {
        rows = found;
        return true;
      }
    }
    return false;
  }, `the rating question sent to ${to}`);
  return rows!;
}

/** Resolves with the webhook's answer once the customer's choice of `score` (1–5) was delivered. */
export async function customerAnswersRating(
  api: TestServer,
  graph: GraphStub,
  channel: WhatsAppChannelSecrets,
  input: { from: string; score: 1 | 2 | 3 | 4 | 5 },
) {
  const rows = await ratingQuestionRows(graph, input.from);
  const row = rows.find((r) => r.id === `rating:${input.score}`);
  if (!row) throw new Error(`the rating question has no row rating:${input.score}`);
  return deliverWebhook(
    api,
    messagePayload({
      phoneNumberId: channel.phoneNumberId,
      from: input.from,
      message: {
        type: 'interactive',
        interactive: { type: 'list_reply', list_reply: { id: row.id, title: row.title } },
      },
    }),
    channel.appSecret,
  );
}
