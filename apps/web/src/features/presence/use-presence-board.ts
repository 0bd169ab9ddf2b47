import { useEffect, useRef, useState } from 'react';
import { agentPresenceSchema, type AgentPresenceChanged } from '@switchboard/contracts';
import { z } from 'zod';
import { useApi, useConnectionStatus, useRealtimeEvent, useResync } from '../../app/services';
import { useAsync } from '../../shared/ui/hooks';
import { applyPresenceChange, boardOf, type PresenceBoard } from './presence-model';

const listSchema = z.object({ items: z.array(agentPresenceSchema) });

/** The company's presence, loaded over HTTP and then kept live by socket events. */
export function usePresenceBoard(): { board: PresenceBoard | undefined; error: unknown; reload: () => void } {
  const api = useApi();
  const status = useConnectionStatus();
  const [generation, setGeneration] = useState(0);
  const state = useAsync(
    async (signal) => boardOf((await api.request('GET', '/api/presence', { schema: listSchema, signal })).items),
    `presence:${generation}`,
  );
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
