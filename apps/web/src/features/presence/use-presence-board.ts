import { useEffect, useRef, useState } from 'react';
import { agentPresenceSchema, type AgentPresenceChanged } from '@switchboard/contracts';
import { z } from 'zod';
import {
  useApi,
  useConnectionStatus,
  useCurrentUser,
  useRealtimeEvent,
  useResync,
  useServices,
} from '../../app/services';
import { useAsync } from '../../shared/ui/hooks';
import { applyPresenceChange, boardOf, type PresenceBoard } from './presence-model';

const listSchema = z.object({ items: z.array(agentPresenceSchema) });
const PRESENCE_TOPIC = { topic: 'presence' } as const;

/**
 * The company's presence, loaded over HTTP and then kept live by socket events. Managers
 * receive every presence change; an agent's console receives colleagues' changes only
 * while it shows a board: it watches the presence topic for as long as the board is
 * mounted, again after each reconnection, and loads the list once the watch is
 * acknowledged, so no change falls between the list and the first event (ADR 30).
 */
export function usePresenceBoard(): { board: PresenceBoard | undefined; error: unknown; reload: () => void } {
  const api = useApi();
  const { realtime } = useServices();
  const mustWatch = useCurrentUser().role === 'agent';
  const status = useConnectionStatus();
  const [generation, setGeneration] = useState(0);
  const watching = useRef<Promise<unknown>>(Promise.resolve());
  // Declared before the load's effect, so a load of the same render waits for this watch.
  useEffect(() => {
    if (!mustWatch || status !== 'connected') return;
    watching.current = realtime.emitWithAck('watch', PRESENCE_TOPIC);
    return () => void realtime.emitWithAck('unwatch', PRESENCE_TOPIC);
  }, [mustWatch, status, realtime]);
  const state = useAsync(async (signal) => {
    await watching.current;
    return boardOf((await api.request('GET', '/api/presence', { schema: listSchema, signal })).items);
  }, `presence:${generation}`);
  const { setData, data } = state;
  const wasConnected = useRef(false);

  useRealtimeEvent<AgentPresenceChanged>('agent_presence_changed', (envelope) => {
    // Someone created after the list loaded: reload to learn their name and role.
    if (data && !data[envelope.data.agent_id]) return setGeneration((n) => n + 1);
    setData((board) => (board ? applyPresenceChange(board, envelope.data).board : board));
  });
  useResync(() => setGeneration((n) => n + 1));
  // Back after a disconnection: reload, so times in status and heartbeats are the server's.
  useEffect(() => {
    if (status !== 'connected') return;
    if (wasConnected.current) setGeneration((n) => n + 1);
    wasConnected.current = true;
  }, [status]);

  return { board: state.data, error: state.error, reload: () => setGeneration((n) => n + 1) };
}
