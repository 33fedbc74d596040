// The dashboard's root: fixed chrome (header, body, flash line, footer) sized to the terminal, and the one input handler.
import React, { useEffect, useMemo, useRef } from 'react';
import { Box, Text, useInput, useWindowSize } from 'ink';
import { DashboardContext, useDashboard, type DashboardContextValue } from './context.ts';
import { ThemeContext, type Theme } from './theme.ts';
import { dispatch, type DispatchContext } from './keys/dispatch.ts';
import { toKeyPresses } from './keys/key-name.ts';
import { useBridge } from './hooks/use-bridge.ts';
import { useLegacyStatus } from './hooks/use-legacy-status.ts';
import { bodyRows, MIN_COLUMNS, MIN_ROWS } from './layout.ts';
import { currentScreen } from './store/view-slice.ts';
import { truncate, wordWrap } from './text.ts';
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

/** The whole message, word-wrapped to the terminal however narrow it is (cut only when it has too few rows). */
export function tooSmallLines(columns: number, rows: number): string[] {
  const text = `ifqueue needs a terminal of at least ${MIN_COLUMNS}×${MIN_ROWS}; this one is ${columns}×${rows}. Enlarge it, or press q to quit.`;
  const lines = wordWrap(text, columns);
  return lines.length <= rows ? lines : [...lines.slice(0, Math.max(0, rows - 1)), truncate(lines.slice(rows - 1).join(' '), columns)];
}

function TooSmall({ columns, rows }: { columns: number; rows: number }): React.ReactElement {
  return (
    <Box flexDirection="column">
      {tooSmallLines(columns, rows).map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
    </Box>
  );
}

/** Reads once which IFDB tables this database lacks, so forms and schedules can say so before anything fails. */
function IfdbCheck({ context }: { context: DashboardContextValue }): null {
  useEffect(() => {
    const check = context.ifdbTables;
    if (!check) return;
    let current = true;
    check().then(
      (missing) => current && context.store.getState().setIfdbMissing(missing),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [context]);
  return null;
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
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  const small = useRef(tooSmall);
  small.current = tooSmall;
  useInput((input, key) => {
    for (const press of toKeyPresses(input, key)) {
      // Keys on a screen nobody can see would act blindly: a terminal too small only quits (q or Ctrl+C).
      if (small.current) {
        if (press.name === 'q' || press.name === 'ctrl+c') quit();
        continue;
      }
      dispatch(dispatchContext, press);
    }
  });
  return (
    <ThemeContext.Provider value={theme}>
      <DashboardContext.Provider value={context}>
        <LegacyPolling context={context} />
        <IfdbCheck context={context} />
        {tooSmall ? (
          <TooSmall columns={columns} rows={rows} />
        ) : (
          <Chrome columns={columns} rows={rows} />
        )}
      </DashboardContext.Provider>
    </ThemeContext.Provider>
  );
}
