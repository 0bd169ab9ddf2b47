import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { NodeConnections } from './presence.connections.js';
import { agentChecksum } from './presence.repository.js';

const logger = createLogger({ level: 'silent' });
const companyId = '6f1c2a34-0b7e-4c51-9d0a-3e2f1b4c5d6e';
const [a, b] = ['0192f0c4-7d21-7a3b-8c4d-5e6f7a8b9c0d', '0192f0c4-7d21-7a3b-9f00-112233445566'];

describe('a node’s connections against the rows the database holds', () => {
  it('matches the count and checksum of the agents open here, whatever the order they came and went', async () => {
    const connections = new NodeConnections(async () => undefined, logger);
    expect(connections.matches({ rows: 0, checksum: 0n })).toBe(true);
    void connections.update({ companyId, agentId: a }, 1);
    void connections.update({ companyId, agentId: b }, 2);
    // A second socket of b changes no row.
    void connections.update({ companyId, agentId: b }, 1);
    expect(connections.matches({ rows: 2, checksum: agentChecksum(a) ^ agentChecksum(b) })).toBe(true);
    expect(connections.matches({ rows: 2, checksum: agentChecksum(a) })).toBe(false);
    expect(connections.matches({ rows: 1, checksum: agentChecksum(a) ^ agentChecksum(b) })).toBe(false);

    void connections.update({ companyId, agentId: a }, 0);
    expect(connections.matches({ rows: 1, checksum: agentChecksum(b) })).toBe(true);
    await connections.close();
  });

  it('takes the last 60 bits of the id, as the statement does', () => {
    expect(agentChecksum(b)).toBe(0xf00112233445566n);
  });
});
