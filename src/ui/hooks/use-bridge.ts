// Starts the event bridge for as long as the dashboard is mounted.
import { useEffect } from 'react';
import type { Bridge } from '../bridge.ts';

export function useBridge(bridge: Bridge): void {
  useEffect(() => {
    bridge.start();
    return () => bridge.stop();
  }, [bridge]);
}
