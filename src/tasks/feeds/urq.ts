// urq.borda.ru's front page: no feed, but one `ubb(...)` JavaScript call per topic line.
import { decodeHTML } from 'entities';
import { fromUnixSeconds } from './dates.ts';
import { literalToInt, literalToText, parseLiteralTuple } from './literal-tuple.ts';
import type { FeedItem, ParsedFeed } from './types.ts';

/** Topic links point at the real forum even when the page was fetched from elsewhere (a test server). */
export const URQ_FORUM_URL = 'http://urq.borda.ru/';

// Legacy matched `ubb(\([^\x0d]*\));` on the whole page, i.e. greedily up to the last `);` of a CRLF line.
// Matching line by line gives the same calls on CRLF pages and still works if the site switches to LF.
const UBB_CALL = /ubb(\(.*\));/;
const ARGUMENT_COUNT = 12;

function floorTo20(count: bigint): bigint {
  const quotient = count / 20n;
  const floored = count < 0n && quotient * 20n !== count ? quotient - 1n : quotient;
  return floored * 20n;
}

function parseCall(args: string): FeedItem | string {
  let values;
  try {
    values = parseLiteralTuple(args);
  } catch (error) {
    return `unreadable arguments (${(error as Error).message})`;
  }
  if (values.length !== ARGUMENT_COUNT) return `${values.length} arguments, expected ${ARGUMENT_COUNT}`;
  const [, , sectValue, idValue, , titleValue, countValue, , , authorValue, timeValue] = values;
  const section = literalToInt(sectValue);
  const topic = literalToInt(idValue);
  const count = literalToInt(countValue);
  const time = literalToInt(timeValue);
  if (section === null || topic === null || count === null || time === null) return 'section, topic, count or time is not a number';
  const published = fromUnixSeconds(Number(time));
  if (!published) return `unreadable time ${time}`;
  return {
    itemId: literalToText(idValue),
    title: decodeHTML(literalToText(titleValue)).trim(),
    authors: decodeHTML(literalToText(authorValue)).trim(),
    url: `${URQ_FORUM_URL}?1-${section}-0-${topic}-0-${floorTo20(count)}-0-${time}`,
    published,
  };
}

/** Parses the decoded (cp1251) page; malformed calls are skipped and named by line. */
export function parseUrqPage(text: string): ParsedFeed {
  const items: FeedItem[] = [];
  const skipped: string[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    const call = UBB_CALL.exec(line);
    if (!call) return;
    const result = parseCall(call[1]);
    if (typeof result === 'string') skipped.push(`line ${index + 1}: ${result}`);
    else items.push(result);
  });
  return { items, skipped };
}
