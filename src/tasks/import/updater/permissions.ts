// IFDB's permission expressions (ifdb/permissioner.py) evaluated for the maintenance user, who
// acts as an authenticated, non-Tor, non-crawler request. Syntax: `@group`, `[user id]`,
// `(or …)`/`(o …)`, `(and …)`/`(a …)`, `(not x)`/`(n x)`, `(alias name)`.

export interface Actor {
  id: number;
  username: string;
  isSuperuser: boolean;
  /** auth_group names */
  groups: ReadonlySet<string>;
}

const ALIASES: Record<string, string> = {
  game_view: '@all',
  game_edit: '(a @auth (n @ban))',
  game_comment: '(a @auth (n @ban))',
  game_delete: '@moder',
  game_vote: '(a @auth (n @ban))',
  personality_view: '@all',
  personality_edit: '@moder',
};

/** Each group implies the ones after it. */
const EXPANSION = ['@admin', '@moder', '@gardener'];

type Expr = string | Expr[];

function tokensOf(actor: Actor): Set<string> {
  const tokens = new Set(['@all', '@notor', '@auth', `[${actor.id}]`]);
  if (actor.isSuperuser) tokens.add('@admin');
  for (const group of actor.groups) tokens.add(`@${group}`);
  const first = EXPANSION.findIndex((g) => tokens.has(g));
  if (first >= 0) for (const g of EXPANSION.slice(first + 1)) tokens.add(g);
  return tokens;
}

function parse(text: string): Expr {
  const stack: Expr[][] = [[]];
  for (const token of text.match(/[()]|[^()\s]+/g) ?? []) {
    if (token === '(') stack.push([]);
    else if (token === ')') {
      const list = stack.pop();
      if (list === undefined || stack.length === 0) throw new Error(`unbalanced ")" in ${text}`);
      stack.at(-1)!.push(list);
    } else stack.at(-1)!.push(token);
  }
  if (stack.length !== 1 || stack[0]!.length !== 1) throw new Error(`not one expression: ${text}`);
  return stack[0]![0]!;
}

function evaluate(expr: Expr, tokens: ReadonlySet<string>, depth: number): boolean {
  if (typeof expr === 'string') return tokens.has(expr);
  if (depth > 20) throw new Error('permission aliases nested too deep');
  const [op, ...args] = expr;
  switch (op) {
    case 'or':
    case 'o':
      return args.some((a) => evaluate(a, tokens, depth + 1));
    case 'and':
    case 'a':
      return args.every((a) => evaluate(a, tokens, depth + 1));
    case 'not':
    case 'n':
      if (args.length !== 1) throw new Error('"not" takes one argument');
      return !evaluate(args[0]!, tokens, depth + 1);
    case 'alias': {
      const alias = typeof args[0] === 'string' && args.length === 1 ? ALIASES[args[0]] : undefined;
      if (alias === undefined) throw new Error(`unknown permission alias ${JSON.stringify(args)}`);
      return evaluate(parse(alias), tokens, depth + 1);
    }
    default:
      throw new Error(`unknown permission operator ${JSON.stringify(op)}`);
  }
}

/** Whether the maintenance user passes a permission expression; a malformed expression denies. */
export function canMaintenanceUser(actor: Actor, expression: string): boolean {
  try {
    return evaluate(parse(expression), tokensOf(actor), 0);
  } catch {
    return false;
  }
}
