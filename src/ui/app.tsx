// The dashboard's root: fixed chrome (header, body, flash line, footer) sized to the terminal, and the one input handler.
import React, { useMemo, useRef } from 'react';
import { Box, Text, useInput, useWindowSize } from 'ink';
import { DashboardContext, useDashboard, type DashboardContextValue } from './context.ts';
import { ThemeContext, type Theme } from './theme.ts';
import { dispatch, type DispatchContext } from './keys/dispatch.ts';
import { toKeyPresses } from './keys/key-name.ts';
import { useBridge } from './hooks/use-bridge.ts';
import { useLegacyStatus } from './hooks/use-legacy-status.ts';
import { bodyRows, MIN_COLUMNS, MIN_ROWS } from './layout.ts';
import { currentScreen } from './store/view-slice.ts';
import { truncate } from './text.ts';
import { Header } from './components/Header.tsx';
import { Body } from './components/Body.tsx';
import { FlashLine } from './components/FlashLine.tsx';
import { Footer } from './components/Footer.tsx';

export interface AppProps {
  context: DashboardContextValue;
  theme: Theme;
  quit(): void;
}

function Chrome({ columns, rows }: { columns: number; rows: number }): React.ReactElement {
  return (
    <Box flexDirection="column" width={columns} height={rows} overflow="hidden">
      <Header width={columns} />
      <Box flexDirection="column" height={bodyRows(rows)} overflow="hidden">
        <Body width={columns} rows={rows} />
      </Box>
      <FlashLine width={columns} />
      <Footer width={columns} />
    </Box>
  );
}

function LegacyPolling({ context }: { context: DashboardContextValue }): null {
  const onLegacyScreen = useDashboard((s) => currentScreen(s.stack).kind === 'legacy');
  useLegacyStatus(context, context.legacy ? (onLegacyScreen ? 5000 : 30_000) : 0);
  return null;
}

export function App({ context, theme, quit }: AppProps): React.ReactElement {
  const { columns, rows } = useWindowSize();
  const size = useRef({ columns, rows });
  size.current = { columns, rows };
  useBridge(context.bridge);
  const dispatchContext = useMemo<DispatchContext>(
    () => ({ ...context, rows: () => size.current.rows, columns: () => size.current.columns, quit }),
    [context, quit],
  );
  useInput((input, key) => {
    for (const press of toKeyPresses(input, key)) dispatch(dispatchContext, press);
  });
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  return (
    <ThemeContext.Provider value={theme}>
      <DashboardContext.Provider value={context}>
        <LegacyPolling context={context} />
        {tooSmall ? (
          <Text wrap="truncate">{truncate(`ifqueue needs a terminal of at least ${MIN_COLUMNS}×${MIN_ROWS} (this one is ${columns}×${rows})`, columns)}</Text>
        ) : (
          <Chrome columns={columns} rows={rows} />
        )}
      </DashboardContext.Provider>
    </ThemeContext.Provider>
  );
}
