// The SQL API (migration 3): ifqueue.enqueue(task, args, options) for any client — IFDB's Django, psql,
// a cron script — inside the caller's own transaction, and ifqueue.enqueue_job, the one implementation
// the runner's own single-job enqueue calls too. It writes what Runner.enqueue always wrote: pg-boss's
// job row (as pg-boss 12's insertJobs does: the queue's policy, retry settings, expiry and retention),
// ifqueue's job_meta row, a dependency held back until the reconciler releases it, and the job:created
// event. Notifications are transactional, so runners wake when, and only if, the caller commits.
//
// The registered tasks (ifqueue.task) are written by every runner at start: the unknown-task error
// lists them, and their arguments' JSON Schema (from the zod schema) is checked here — a subset:
// type, enum, const, properties, required, additionalProperties, items, anyOf/oneOf/allOf, number
// bounds, string lengths and item counts. What it cannot check (patterns, formats, refinements)
// fails the job at pickup, permanently, naming the field (job-run.ts).

import { STORED_ARGS_LIMITS } from './args-limits.ts';
import { EVENTS_CHANNEL } from './events.ts';
import { HELD_UNTIL } from './sql.ts';

/** Options ifqueue.enqueue accepts (the README documents each). */
export const SQL_ENQUEUE_OPTIONS = ['name', 'priority', 'startAfter', 'delaySeconds', 'retries', 'retryDelaySeconds', 'onFail', 'dependsOn', 'orGet'] as const;

/** Options only the runner passes to ifqueue.enqueue_job: the legacy row a bridged job came from, and the event origin. */
const INTERNAL_OPTIONS = ['legacyId', 'origin'] as const;

/** An error ifqueue.enqueue raised on purpose (unknown task, bad arguments or options), not a database failure. */
export function raisedByEnqueue(error: unknown): boolean {
  const e = error as { routine?: unknown; where?: unknown } | null;
  return e?.routine === 'exec_stmt_raise' && typeof e.where === 'string' && /function ifqueue\.\w+\(/.test(e.where);
}

const sqlArray = (items: readonly string[]) => `ARRAY[${items.map((i) => `'${i}'`).join(', ')}]::text[]`;

/** Migration 3: the registered tasks' table, and the functions. */
export function sqlApiMigration(b: string): string {
  return `
  CREATE TABLE ifqueue.task (
    name text PRIMARY KEY,
    description text NOT NULL DEFAULT '',
    args_schema jsonb,
    priority int NOT NULL DEFAULT 100,
    on_fail text,
    registered_by text,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  COMMENT ON TABLE ifqueue.task IS 'Tasks registered by the ifqueue runners started on this database (written at start): what ifqueue.enqueue accepts';
  ${sqlApiFunctions(b)}`;
}

/**
 * The SQL API's functions at their current version (CREATE OR REPLACE). A change to them adds a
 * migration that runs this again (schema.ts), so databases migrated before get it too.
 */
export function sqlApiFunctions(b: string): string {
  const bossChannel = `('pgboss_' || left(encode(sha224('${b}'::bytea), 'hex'), 24))`;
  return `
  CREATE OR REPLACE FUNCTION ifqueue.known_tasks() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(name, ', ' ORDER BY name), '(none: no ifqueue runner has started on this database)') FROM ifqueue.task
  $$;

  -- The first way value breaks schema (a JSON Schema subset), as "path: problem"; NULL when it fits.
  -- Never stricter than zod: keywords it does not know are ignored.
  CREATE OR REPLACE FUNCTION ifqueue.json_schema_error(p_schema jsonb, p_value jsonb, p_path text DEFAULT '') RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS $$
  DECLARE
    kind text := jsonb_typeof(p_value);
    here text := CASE WHEN p_path = '' THEN '(arguments)' ELSE p_path END;
    types text[];
    num numeric;
    len int;
    k text;
    sub jsonb;
    err text;
    errs text[] := '{}';
  BEGIN
    IF p_schema IS NULL OR jsonb_typeof(p_schema) <> 'object' THEN
      RETURN CASE WHEN p_schema = 'false'::jsonb THEN here || ': not allowed' END;
    END IF;
    IF kind = 'number' THEN num := p_value::text::numeric; END IF;
    IF p_schema ? 'type' THEN
      types := CASE WHEN jsonb_typeof(p_schema->'type') = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(p_schema->'type'))
                    ELSE ARRAY[p_schema->>'type'] END;
      IF NOT (kind = ANY (types) OR (kind = 'number' AND 'integer' = ANY (types) AND num % 1 = 0)) THEN
        RETURN here || ': expected ' || array_to_string(types, ' or ') || ', got ' || CASE WHEN kind = 'number' AND num % 1 <> 0 THEN 'a fraction' ELSE kind END;
      END IF;
    END IF;
    IF p_schema ? 'const' AND p_value <> p_schema->'const' THEN
      RETURN here || ': must be ' || (p_schema->'const')::text;
    END IF;
    IF jsonb_typeof(p_schema->'enum') = 'array' AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_schema->'enum') AS e(item) WHERE e.item = p_value) THEN
      RETURN here || ': must be one of ' || left((SELECT string_agg(e.item::text, ', ') FROM jsonb_array_elements(p_schema->'enum') AS e(item)), 200);
    END IF;
    IF kind = 'number' THEN
      IF jsonb_typeof(p_schema->'minimum') = 'number' AND num < (p_schema->>'minimum')::numeric THEN RETURN here || ': must be >= ' || (p_schema->>'minimum'); END IF;
      IF jsonb_typeof(p_schema->'maximum') = 'number' AND num > (p_schema->>'maximum')::numeric THEN RETURN here || ': must be <= ' || (p_schema->>'maximum'); END IF;
      IF jsonb_typeof(p_schema->'exclusiveMinimum') = 'number' AND num <= (p_schema->>'exclusiveMinimum')::numeric THEN RETURN here || ': must be > ' || (p_schema->>'exclusiveMinimum'); END IF;
      IF jsonb_typeof(p_schema->'exclusiveMaximum') = 'number' AND num >= (p_schema->>'exclusiveMaximum')::numeric THEN RETURN here || ': must be < ' || (p_schema->>'exclusiveMaximum'); END IF;
    ELSIF kind = 'string' AND (p_schema ? 'minLength' OR p_schema ? 'maxLength') THEN
      len := char_length(p_value #>> '{}'); -- code points, as zod 4 counts
      IF jsonb_typeof(p_schema->'minLength') = 'number' AND len < (p_schema->>'minLength')::numeric THEN RETURN here || ': must have at least ' || (p_schema->>'minLength') || ' characters'; END IF;
      IF jsonb_typeof(p_schema->'maxLength') = 'number' AND len > (p_schema->>'maxLength')::numeric THEN RETURN here || ': must have at most ' || (p_schema->>'maxLength') || ' characters'; END IF;
    ELSIF kind = 'array' THEN
      len := jsonb_array_length(p_value);
      IF jsonb_typeof(p_schema->'minItems') = 'number' AND len < (p_schema->>'minItems')::numeric THEN RETURN here || ': must have at least ' || (p_schema->>'minItems') || ' items'; END IF;
      IF jsonb_typeof(p_schema->'maxItems') = 'number' AND len > (p_schema->>'maxItems')::numeric THEN RETURN here || ': must have at most ' || (p_schema->>'maxItems') || ' items'; END IF;
      IF jsonb_typeof(p_schema->'items') IN ('object', 'boolean') AND NOT p_schema ? 'prefixItems' THEN
        FOR i IN 0 .. len - 1 LOOP
          err := ifqueue.json_schema_error(p_schema->'items', p_value->i, CASE WHEN p_path = '' THEN i::text ELSE p_path || '.' || i END);
          IF err IS NOT NULL THEN RETURN err; END IF;
        END LOOP;
      END IF;
    ELSIF kind = 'object' THEN
      IF jsonb_typeof(p_schema->'required') = 'array' THEN
        FOR k IN SELECT jsonb_array_elements_text(p_schema->'required') LOOP
          IF NOT p_value ? k THEN RETURN CASE WHEN p_path = '' THEN k ELSE p_path || '.' || k END || ': required'; END IF;
        END LOOP;
      END IF;
      FOR k, sub IN SELECT e.prop, e.item FROM jsonb_each(p_value) AS e(prop, item) ORDER BY 1 LOOP
        IF jsonb_typeof(p_schema->'properties') = 'object' AND p_schema->'properties' ? k THEN
          err := ifqueue.json_schema_error(p_schema->'properties'->k, sub, CASE WHEN p_path = '' THEN k ELSE p_path || '.' || k END);
        ELSIF p_schema ? 'additionalProperties' AND NOT p_schema ? 'patternProperties' THEN
          err := CASE WHEN p_schema->'additionalProperties' = 'false'::jsonb
                      THEN CASE WHEN p_path = '' THEN k ELSE p_path || '.' || k END || ': unknown property (allowed: '
                           || COALESCE((SELECT string_agg(e.prop, ', ' ORDER BY e.prop) FROM jsonb_object_keys(p_schema->'properties') AS e(prop)), 'none') || ')'
                      ELSE ifqueue.json_schema_error(p_schema->'additionalProperties', sub, CASE WHEN p_path = '' THEN k ELSE p_path || '.' || k END) END;
        ELSE
          err := NULL;
        END IF;
        IF err IS NOT NULL THEN RETURN err; END IF;
      END LOOP;
    END IF;
    IF jsonb_typeof(p_schema->'allOf') = 'array' THEN
      FOR sub IN SELECT jsonb_array_elements(p_schema->'allOf') LOOP
        err := ifqueue.json_schema_error(sub, p_value, p_path);
        IF err IS NOT NULL THEN RETURN err; END IF;
      END LOOP;
    END IF;
    -- oneOf is checked as anyOf: accepting a value that fits two branches is never stricter than zod
    FOR k IN SELECT unnest(ARRAY['anyOf', 'oneOf']) LOOP
      IF jsonb_typeof(p_schema->k) = 'array' AND jsonb_array_length(p_schema->k) > 0 THEN
        errs := '{}';
        FOR sub IN SELECT jsonb_array_elements(p_schema->k) LOOP
          err := ifqueue.json_schema_error(sub, p_value, p_path);
          IF err IS NULL THEN errs := NULL; EXIT; END IF;
          errs := errs || err;
        END LOOP;
        IF errs IS NOT NULL THEN RETURN here || ': fits none of the allowed forms (' || left(array_to_string(errs, '; '), 300) || ')'; END IF;
      END IF;
    END LOOP;
    RETURN NULL;
  END $$;

  -- An integer option in [lo, hi], or NULL when absent or null; otherwise an error naming the option.
  CREATE OR REPLACE FUNCTION ifqueue.integer_option(options jsonb, key text, lo numeric, hi numeric, what text) RETURNS bigint
  LANGUAGE plpgsql IMMUTABLE AS $$
  DECLARE
    v jsonb := options->key;
  BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' THEN RETURN NULL; END IF;
    IF jsonb_typeof(v) <> 'number' OR v::text::numeric % 1 <> 0 OR v::text::numeric NOT BETWEEN lo AND hi THEN
      RAISE EXCEPTION '% must be %, got %', key, what, left(v::text, 100) USING ERRCODE = '22023';
    END IF;
    RETURN v::text::numeric::bigint;
  END $$;

  -- The one enqueue: Runner.enqueue / enqueueOrGet / enqueueIn call it with trusted = true (arguments
  -- already parsed by zod, defaults resolved from the runner's own registry); ifqueue.enqueue with
  -- trusted = false. Returns the job id, and false in created when orGet found a live job by that name.
  CREATE OR REPLACE FUNCTION ifqueue.enqueue_job(p_task text, p_args jsonb, p_options jsonb, p_trusted boolean, OUT id uuid, OUT created boolean)
  LANGUAGE plpgsql VOLATILE AS $$
  #variable_conflict use_column
  DECLARE
    o jsonb := COALESCE(p_options, '{}'::jsonb);
    v_args jsonb := COALESCE(p_args, '{}'::jsonb);
    v_task ifqueue.task%ROWTYPE;
    q record;
    v_live_id uuid;
    v_live_task text;
    v_live_priority int;
    v_parent_id uuid;
    v_parent_task text;
    v_parent_state text;
    v_has_parent boolean := false;
    v_held boolean := false;
    v_name text;
    v_priority int;
    v_start timestamptz;
    v_retries int;
    v_retry_delay int;
    v_on_fail text;
    v_or_get boolean := false;
    v_legacy bigint;
    v_id uuid;
    v_ref text;
    v_event jsonb;
    err text;
    k text;
  BEGIN
    IF p_task IS NULL THEN
      RAISE EXCEPTION 'task must not be null' USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(o) <> 'object' THEN
      RAISE EXCEPTION 'options must be a JSON object, got %', jsonb_typeof(o) USING ERRCODE = '22023';
    END IF;
    FOR k IN SELECT jsonb_object_keys(o) LOOP
      IF NOT k = ANY (${sqlArray([...SQL_ENQUEUE_OPTIONS, ...INTERNAL_OPTIONS])}) THEN
        RAISE EXCEPTION 'unknown option %; known options: %', left(to_json(k)::text, 100), '${SQL_ENQUEUE_OPTIONS.join(', ')}' USING ERRCODE = '22023';
      END IF;
    END LOOP;
    IF NOT p_trusted THEN
      SELECT * INTO v_task FROM ifqueue.task t WHERE t.name = p_task;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown task %; known tasks: %', left(to_json(p_task)::text, 100), ifqueue.known_tasks() USING ERRCODE = '42704',
          HINT = 'The tasks are those the ifqueue runners started on this database registered: SELECT name, description FROM ifqueue.task';
      END IF;
      -- the bounds the runner holds every path to (args-limits.ts); jsonb itself refuses NUL and lone surrogates
      IF octet_length(v_args::text) > ${STORED_ARGS_LIMITS.bytes} THEN
        RAISE EXCEPTION 'arguments are % KiB of JSON; the limit is ${STORED_ARGS_LIMITS.bytes / 1024} KiB', octet_length(v_args::text) / 1024 USING ERRCODE = '22023';
      END IF;
      IF jsonb_path_exists(v_args, 'strict $.**{${STORED_ARGS_LIMITS.depth} to last} ? (@.type() == "object" || @.type() == "array")') THEN
        RAISE EXCEPTION 'arguments are nested deeper than ${STORED_ARGS_LIMITS.depth} levels; the limit is ${STORED_ARGS_LIMITS.depth}' USING ERRCODE = '22023';
      END IF;
      err := CASE WHEN jsonb_typeof(v_args) <> 'object' THEN '(arguments): expected object, got ' || jsonb_typeof(v_args)
                  ELSE ifqueue.json_schema_error(v_task.args_schema, v_args) END;
      IF err IS NOT NULL THEN
        RAISE EXCEPTION 'invalid arguments for %: %', p_task, left(err, 500) USING ERRCODE = '22023',
          HINT = format('The arguments'' JSON Schema: SELECT args_schema FROM ifqueue.task WHERE name = %L', p_task);
      END IF;
    END IF;
    SELECT qq.policy, qq.retry_limit, qq.retry_delay, qq.retry_backoff, qq.retry_delay_max, qq.expire_seconds, qq.retention_seconds,
           qq.deletion_seconds, qq.dead_letter, qq.heartbeat_seconds
      INTO q FROM ${b}.queue qq WHERE qq.name = p_task;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'task % has no pg-boss queue', to_json(p_task)::text USING ERRCODE = '42704',
        HINT = 'Start an ifqueue runner that knows the task once: it creates the queue.';
    END IF;

    IF COALESCE(jsonb_typeof(o->'name'), 'null') <> 'null' THEN
      IF jsonb_typeof(o->'name') <> 'string' OR char_length(o->>'name') > 255 THEN
        RAISE EXCEPTION 'name must be a string of at most 255 characters' USING ERRCODE = '22023';
      END IF;
      v_name := o->>'name';
    END IF;
    v_priority := COALESCE(ifqueue.integer_option(o, 'priority', -1000000000, 1000000000, 'an integer between -1000000000 and 1000000000 (lower runs sooner)'),
                           v_task.priority, 100);
    v_retries := ifqueue.integer_option(o, 'retries', 0, 1000000, 'a non-negative integer');
    v_retry_delay := ifqueue.integer_option(o, 'retryDelaySeconds', 0, 2147483647, 'a non-negative integer (seconds)');
    v_legacy := ifqueue.integer_option(o, 'legacyId', 1, 2147483647, 'a legacy row id');
    IF COALESCE(jsonb_typeof(o->'startAfter'), 'null') <> 'null' AND COALESCE(jsonb_typeof(o->'delaySeconds'), 'null') <> 'null' THEN
      RAISE EXCEPTION 'give startAfter or delaySeconds, not both' USING ERRCODE = '22023';
    END IF;
    IF COALESCE(jsonb_typeof(o->'startAfter'), 'null') <> 'null' THEN
      BEGIN
        IF jsonb_typeof(o->'startAfter') <> 'string' THEN RAISE EXCEPTION USING ERRCODE = '22007'; END IF;
        v_start := (o->>'startAfter')::timestamptz;
        IF NOT isfinite(v_start) THEN RAISE EXCEPTION USING ERRCODE = '22007'; END IF;
      EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'startAfter is not a valid date: %', left((o->'startAfter')::text, 100) USING ERRCODE = '22023',
          HINT = 'Give a timestamp with a time zone, e.g. 2030-01-01T12:00:00Z, or delaySeconds.';
      END;
    ELSIF COALESCE(jsonb_typeof(o->'delaySeconds'), 'null') <> 'null' THEN
      IF jsonb_typeof(o->'delaySeconds') <> 'number' OR (o->>'delaySeconds')::numeric NOT BETWEEN -3153600000 AND 3153600000 THEN
        RAISE EXCEPTION 'delaySeconds must be a number of seconds, got %', left((o->'delaySeconds')::text, 100) USING ERRCODE = '22023';
      END IF;
      v_start := ${b}.job_now() + (o->>'delaySeconds')::numeric * interval '1 second';
    END IF;
    IF o ? 'onFail' THEN
      IF jsonb_typeof(o->'onFail') NOT IN ('string', 'null') THEN
        RAISE EXCEPTION 'onFail must be a task name or null' USING ERRCODE = '22023';
      END IF;
      v_on_fail := o->>'onFail';
    ELSE
      v_on_fail := v_task.on_fail;
    END IF;
    IF v_on_fail IS NOT NULL AND NOT p_trusted AND NOT EXISTS (SELECT 1 FROM ifqueue.task t WHERE t.name = v_on_fail) THEN
      RAISE EXCEPTION 'unknown task %; known tasks: %', left(to_json(v_on_fail)::text, 100), ifqueue.known_tasks() USING ERRCODE = '42704',
        HINT = 'onFail names the task that receives the job and its error after the final failure.';
    END IF;
    IF COALESCE(jsonb_typeof(o->'orGet'), 'null') <> 'null' THEN
      IF jsonb_typeof(o->'orGet') <> 'boolean' THEN RAISE EXCEPTION 'orGet must be true or false' USING ERRCODE = '22023'; END IF;
      v_or_get := (o->'orGet')::boolean;
    END IF;

    IF v_or_get THEN
      IF v_name IS NULL OR v_name = '' THEN
        RAISE EXCEPTION 'orGet needs a name' USING ERRCODE = '22023';
      END IF;
      -- a snapshot taken before the lock would not see a job another caller committed while we waited
      IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'orGet needs the READ COMMITTED isolation level, not %', current_setting('transaction_isolation') USING ERRCODE = '25000';
      END IF;
      -- the same lock as Runner.enqueueOrGet (sql.ts nameLock): one live job per name, however many callers race
      PERFORM pg_advisory_xact_lock(hashtextextended('ifqueue:name:' || v_name, 0));
      SELECT j.id, j.name, j.priority INTO v_live_id, v_live_task, v_live_priority FROM ifqueue.job_meta m
        JOIN ${b}.job j ON j.id = m.job_id AND j.name = m.task
        WHERE m.name = v_name AND j.state IN ('created', 'retry', 'active')
        ORDER BY m.created_at DESC LIMIT 1;
      IF FOUND THEN
        IF 100 - v_priority > v_live_priority THEN
          UPDATE ${b}.job j SET priority = 100 - v_priority
            WHERE j.name = v_live_task AND j.id = v_live_id AND j.state IN ('created', 'retry') AND j.priority < 100 - v_priority;
        END IF;
        id := v_live_id;
        created := false;
        RETURN;
      END IF;
    END IF;

    IF COALESCE(jsonb_typeof(o->'dependsOn'), 'null') <> 'null' THEN
      IF jsonb_typeof(o->'dependsOn') <> 'string' THEN
        RAISE EXCEPTION 'dependsOn must be a job id or name' USING ERRCODE = '22023';
      END IF;
      v_ref := o->>'dependsOn';
      IF v_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        -- by queue name too, so each lookup uses the job table's (name, id) key
        SELECT j.id, j.name, j.state INTO v_parent_id, v_parent_task, v_parent_state FROM ${b}.job j
          WHERE j.name IN (SELECT qq.name FROM ${b}.queue qq) AND j.id = v_ref::uuid;
      ELSE
        SELECT j.id, j.name, j.state INTO v_parent_id, v_parent_task, v_parent_state FROM ifqueue.job_meta m
          JOIN ${b}.job j ON j.id = m.job_id AND j.name = m.task
          WHERE m.name = v_ref ORDER BY (j.state IN ('created', 'retry', 'active')) DESC, m.created_at DESC LIMIT 1;
      END IF;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'dependency % not found (give an existing job id or name)', left(v_ref, 300) USING ERRCODE = '23503';
      END IF;
      v_has_parent := true;
      v_held := v_parent_state <> 'completed';
    END IF;
    IF v_held THEN
      v_start := '${HELD_UNTIL.toISOString()}'::timestamptz;
    END IF;
    v_start := COALESCE(v_start, ${b}.job_now());

    -- the columns and defaults of pg-boss 12's insertJobs (plans.js), for a job without singleton, group or trace
    INSERT INTO ${b}.job (id, name, data, priority, start_after, created_on, singleton_key, singleton_on, group_id, group_tier,
                          expire_seconds, deletion_seconds, keep_until, retry_limit, retry_delay, retry_backoff, retry_delay_max,
                          policy, dead_letter, heartbeat_seconds, blocked, blocking, pending_dependencies, trace_context)
    VALUES (gen_random_uuid(), p_task, v_args, 100 - v_priority, v_start, ${b}.job_now(), NULL, NULL, NULL, NULL,
            q.expire_seconds, q.deletion_seconds, v_start + q.retention_seconds * interval '1 second',
            COALESCE(v_retries, q.retry_limit), COALESCE(v_retry_delay, q.retry_delay),
            -- legacy-style retries (a fixed delay, IFDB's retry_minutes) have no backoff
            CASE WHEN v_retry_delay IS NULL THEN q.retry_backoff ELSE false END, q.retry_delay_max,
            q.policy, q.dead_letter, q.heartbeat_seconds, false, false, 0, NULL)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
      RAISE EXCEPTION 'pg-boss refused the job for % (its queue policy % admits no other job now)', p_task, q.policy USING ERRCODE = '23505';
    END IF;

    IF v_name IS NOT NULL OR v_has_parent OR v_on_fail IS NOT NULL OR v_legacy IS NOT NULL THEN
      INSERT INTO ifqueue.job_meta (job_id, task, name, depends_on, dep_state, on_fail, legacy_id)
      VALUES (v_id, p_task, v_name, v_parent_id,
              CASE WHEN NOT v_has_parent THEN NULL WHEN v_held THEN 'waiting' ELSE 'released' END, v_on_fail, v_legacy);
    END IF;
    IF v_has_parent THEN
      INSERT INTO ifqueue.job_meta (job_id, task, has_dependents) VALUES (v_parent_id, v_parent_task, true)
        ON CONFLICT (job_id) DO UPDATE SET has_dependents = true;
    END IF;

    -- pg-boss wakes only for runnable jobs; a delayed one wakes the queue too, so that a worker that
    -- computed its next due time just before this insert computes it again
    IF NOT v_held THEN
      PERFORM pg_notify(${bossChannel}, p_task);
    END IF;
    v_event := jsonb_build_object('id', v_id, 'task', p_task, 'name', v_name);
    -- a dependent of a failed or cancelled job: runners kick their reconciler, which fails it
    IF v_parent_state IN ('failed', 'cancelled') THEN
      v_event := v_event || '{"dependencyFailed": true}';
    -- held: its parent may finish while this transaction is still open, and that parent's settlement
    -- cannot see this dependent yet; runners look once more when the event arrives (after this commit)
    ELSIF v_held THEN
      v_event := v_event || '{"dependencyPending": true}';
    END IF;
    PERFORM pg_notify('${EVENTS_CHANNEL}', jsonb_build_object('o', COALESCE(o->>'origin', 'sql'), 'e', jsonb_build_array(jsonb_build_array('job:created', v_event)))::text);
    id := v_id;
    created := true;
  END $$;

  CREATE OR REPLACE FUNCTION ifqueue.enqueue(task text, args jsonb DEFAULT '{}', options jsonb DEFAULT '{}') RETURNS uuid
  LANGUAGE plpgsql VOLATILE AS $$
  DECLARE
    k text;
  BEGIN
    IF jsonb_typeof(options) = 'object' THEN
      FOR k IN SELECT jsonb_object_keys(options) LOOP
        IF NOT k = ANY (${sqlArray(SQL_ENQUEUE_OPTIONS)}) THEN
          RAISE EXCEPTION 'unknown option %; known options: %', left(to_json(k)::text, 100), '${SQL_ENQUEUE_OPTIONS.join(', ')}' USING ERRCODE = '22023';
        END IF;
      END LOOP;
    END IF;
    RETURN (SELECT e.id FROM ifqueue.enqueue_job(task, args, options, false) e);
  END $$;
  COMMENT ON FUNCTION ifqueue.enqueue(text, jsonb, jsonb) IS
    'Enqueues an ifqueue job in the caller''s transaction (it exists if and only if the caller commits); returns its id. Options: ${SQL_ENQUEUE_OPTIONS.join(', ')}. See ifqueue''s README.';
  `;
}
