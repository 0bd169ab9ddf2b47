import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { AT, renderSignedIn } from '../../test-support/render-signed-in';
import { DevicesAdmin } from './DevicesAdmin';

afterEach(() => cleanup());

const device = (extension: number, template: 'webrtc' | 'sip') => ({
  user_id: `00000000-0000-4000-8000-00000000${extension}`,
  user_name: `Agent ${extension}`,
  extension,
  sip_username: `u${extension}`,
  template,
  is_active: true,
  password_rotated_at: AT,
  created_at: AT,
});

describe('DevicesAdmin', () => {
  it('lists the devices and asks the server again for the chosen type', async () => {
    const all = [device(1001, 'webrtc'), device(1002, 'sip')];
    let template = '';
    const services = await renderSignedIn(<DevicesAdmin />, (method, path) => {
      if (method !== 'GET' || path !== '/api/devices') return undefined;
      return {
        status: 200,
        body: { items: all.filter((d) => !template || d.template === template), next_cursor: null },
      };
    });
    await screen.findByText('u1002');
    expect(screen.getByText('u1001')).toBeTruthy();
    template = 'sip';
    fireEvent.change(screen.getByLabelText('Device type'), { target: { value: 'sip' } });
    await waitFor(() => expect(screen.queryByText('u1001')).toBeNull());
    expect(screen.getByText('u1002')).toBeTruthy();
    expect(services.requests.map((r) => r.path)).toEqual([
      '/api/devices?limit=200',
      '/api/devices?template=sip&limit=200',
    ]);
  });
});
