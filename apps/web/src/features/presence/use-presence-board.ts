import { useEffect, useRef, useState } from 'react';
import { agentPresenceSchema, type AgentPresenceChanged } from '@switchboard/contracts';
import { z } from 'zod';
import { useApi, useConnectionStatus, useCurrentUser, useRealtimeEvent, useResync, useWatch } from '../../app/services';
import { useAsync } from '../../shared/ui/hooks';
import { applyPresenceChange, boardOf, type PresenceBoard } from './presence-model';

const listSchema = z.object({ items: z.array(agentPresenceSchema) });

/**
 * The company's presence, loaded over HTTP and then kept live by socket events. Managers
 * receive every presence change; an agent's console receives colleagues' changes only
 * while it shows a board: it watches the presence topic for as long as the board is
 * mounted (again after each reconnection) and loads the list once the watch is answered,
 * so no change falls between the list and the first event (ADR 30).
 */
export function usePresenceBoard(): { board: PresenceBoard | undefined; error: unknown; reload: () => void } {
  const api = useApi();
  const mustWatch = useCurrentUser().role === 'agent';
  const status = useConnectionStatus();
  const watched = useWatch('presence', mustWatch);
  const [generation, setGeneration] = useState(0);
  const shown = useRef<PresenceBoard | undefined>(undefined);
  const state = useAsync(async (signal) => {
    // The watch is not answered yet: keep what is shown; its answer loads the list.
    if (watched === 0) return shown.current;
    return boardOf((await api.request('GET', '/api/presence', { schema: listSchema, signal })).items);
  }, `presence:${watched}:${generation}`);
  const { setData, data } = state;
  shown.current = data;
  const wasConnected = useRef(false);

  useRealtimeEvent<AgentPresenceChanged>('agent_presence_changed', (envelope) => {
    // Someone created after the list loaded: reload to learn their name and role.
    if (data && !data[envelope.data.agent_id]) return setGeneration((n) => n + 1);
    setData((board) => (board ? applyPresenceChange(board, envelope.data).board : board));
  });
  useResync(() => setGeneration((n) => n + 1));
  // A manager back after a disconnection reloads, so times in status and heartbeats are the
  // server's; an agent's console does when its watch is answered again.
  useEffect(() => {
    if (status !== 'connected' || mustWatch) return;
    if (wasConnected.current) setGeneration((n) => n + 1);
    wasConnected.current = true;
  }, [status, mustWatch]);

  return { board: state.data, error: state.error, reload: () => setGeneration((n) => n + 1) };
}
