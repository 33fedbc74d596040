"""The drop-in (../taskqueue.py) in real Django against PostgreSQL, with an ifqueue runner working.

Run by ifqueue's test/integrations/ifdb-django.test.ts (npm test), which prepares the database named by
IFQUEUE_TEST_DATABASE_URL (a runner start: migrations, the registered tasks) and keeps a runner working
with stand-in handlers: clone-file fails for good on url 404 and, for url ids from 900000, waits until
the test inserts the id into ifqueue_test_release; the other tasks complete at once.

Only APIs Django 3.2 (Debian 12) and 5.x (IFDB) share.
"""

import json
import os
import sys
import threading
import time
import unittest
from urllib.parse import unquote, urlparse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402
from django.conf import settings  # noqa: E402


def _configure():
    url = urlparse(os.environ["IFQUEUE_TEST_DATABASE_URL"])
    settings.configure(
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": url.path.lstrip("/"),
                "USER": unquote(url.username or ""),
                "PASSWORD": unquote(url.password or ""),
                "HOST": url.hostname or "",
                "PORT": str(url.port or ""),
            }
        },
        INSTALLED_APPS=[],
        USE_TZ=True,
        TIME_ZONE="UTC",
    )
    django.setup()


_configure()

from django.db import DataError, IntegrityError, ProgrammingError, connection, connections, transaction  # noqa: E402

import taskqueue  # noqa: E402
from taskqueue import BadArgumentsError, Enqueue, EnqueueOrGet, Job, UnknownFunctionError  # noqa: E402


def _legacy(module, name):
    """A stand-in for one of IFDB's task functions: the drop-in reads only its module and name."""

    def function(*argv, **kwarg):
        raise AssertionError("ifqueue runs %s; Django never calls it" % name)

    function.__module__ = module
    function.__name__ = function.__qualname__ = name
    return function


CloneFile = _legacy("games.tasks.uploads", "CloneFile")
MarkBroken = _legacy("games.tasks.uploads", "MarkBroken")
RecodeGame = _legacy("games.tasks.uploads", "RecodeGame")
ImportGames = _legacy("games.tasks.game_importer", "ImportGames")
FetchFeeds = _legacy("core.feedfetcher", "FetchFeeds")
DeleteEverything = _legacy("games.tasks.uploads", "DeleteEverything")

TIMEOUT = 60


def query(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def from_json(value):
    """jsonb as Python: Django's psycopg2 backend leaves it as text (JSONField decodes it itself)."""
    return json.loads(value) if isinstance(value, str) else value


def job_row(job_id):
    rows = query(
        """SELECT j.name, j.state, j.priority, j.data, j.retry_limit, j.retry_delay, j.retry_backoff,
                  extract(year FROM j.start_after)::int, j.started_on, j.completed_on,
                  m.name, m.depends_on::text, m.dep_state, m.on_fail
           FROM pgboss.job j LEFT JOIN ifqueue.job_meta m ON m.job_id = j.id WHERE j.id = %s""",
        [str(job_id)],
    )
    if not rows:
        return None
    keys = ("task", "state", "priority", "data", "retry_limit", "retry_delay", "retry_backoff", "start_year",
            "started_on", "completed_on", "name", "depends_on", "dep_state", "on_fail")
    row = dict(zip(keys, rows[0]))
    row["data"] = from_json(row["data"])
    return row


def wait_for(what, fn, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s (last value: %r)" % (what, value))
        time.sleep(0.1)


def wait_state(job_id, state):
    return wait_for("job %s to be %s" % (job_id, state), lambda: (job_row(job_id) or {}).get("state") == state and job_row(job_id))


def release(url_id):
    query("INSERT INTO ifqueue_test_release (url_id) VALUES (%s) ON CONFLICT DO NOTHING RETURNING url_id", [url_id])


def count_named(name):
    return query("SELECT count(*) FROM ifqueue.job_meta WHERE name = %s", [name])[0][0]


class Rollback(Exception):
    pass


class EnqueueInTransactions(unittest.TestCase):
    def test_committed_atomic_block_enqueues_and_the_runner_runs_it(self):
        with transaction.atomic():
            job = Enqueue(CloneFile, 101, name="CloneUrl(101)", onfail=MarkBroken)
            self.assertIsInstance(job, Job)
            visible = []
            # another connection (another thread) must not see the job before the commit
            other = threading.Thread(target=lambda: (visible.append(job_row(job.id)), connections.close_all()))
            other.start()
            other.join()
            self.assertEqual(visible, [None], "invisible to others until the commit")
        row = wait_state(job.id, "completed")
        self.assertEqual(row["task"], "clone-file")
        self.assertEqual(row["data"], {"urlId": 101})
        self.assertEqual(row["name"], "CloneUrl(101)")
        self.assertEqual(row["on_fail"], "mark-broken")

    def test_rolled_back_atomic_block_leaves_no_job(self):
        with self.assertRaises(Rollback):
            with transaction.atomic():
                job = Enqueue(CloneFile, 102, name="CloneUrl(102)", onfail=MarkBroken)
                self.assertIsNotNone(job_row(job.id), "visible inside the block")
                raise Rollback()
        self.assertIsNone(job_row(job.id))
        self.assertEqual(count_named("CloneUrl(102)"), 0)

        # a savepoint rolled back inside a committed block takes its job with it
        with transaction.atomic():
            kept = Enqueue(RecodeGame, 103, name="RecodeGame(103)")
            try:
                with transaction.atomic():
                    dropped = Enqueue(RecodeGame, 104, name="RecodeGame(104)")
                    raise Rollback()
            except Rollback:
                pass
        self.assertIsNone(job_row(dropped.id))
        wait_state(kept.id, "completed")

    def test_autocommit_enqueue_commits_at_once(self):
        job = Enqueue(FetchFeeds)
        self.assertEqual(job.task, "fetch-feeds")
        wait_state(job.id, "completed")


class DependenciesAndOnFail(unittest.TestCase):
    def test_dependency_runs_after_its_job_succeeded(self):
        with transaction.atomic():
            parent = Enqueue(CloneFile, 900201, name="CloneUrl(900201)")
            child = Enqueue(RecodeGame, 201, name="RecodeGame(201)", dependency=parent)
            by_name = Enqueue(RecodeGame, 202, dependency="CloneUrl(900201)")
        for dependent in (child, by_name):
            row = job_row(dependent.id)
            self.assertEqual(row["depends_on"], parent.id)
            self.assertEqual(row["dep_state"], "waiting")
            self.assertEqual(row["start_year"], 9999, "held until its dependency succeeds")
        wait_state(parent.id, "active")
        release(900201)
        done = wait_state(parent.id, "completed")
        for dependent in (child, by_name):
            row = wait_state(dependent.id, "completed")
            self.assertGreaterEqual(row["started_on"], done["completed_on"])

    def test_unknown_dependency_raises_and_enqueues_nothing(self):
        with self.assertRaisesRegex(IntegrityError, r"dependency NoSuchJob\(1\) not found"):
            with transaction.atomic():
                Enqueue(RecodeGame, 203, name="RecodeGame(203)", dependency="NoSuchJob(1)")
        self.assertEqual(count_named("RecodeGame(203)"), 0)

    def test_on_fail_handler_runs_after_the_final_failure(self):
        job = Enqueue(CloneFile, 404, name="CloneUrl(404)", onfail=MarkBroken)
        wait_state(job.id, "failed")
        handler = wait_for(
            "mark-broken for the failed job",
            lambda: query(
                "SELECT state, data FROM pgboss.job WHERE name = 'mark-broken' AND data->'job'->>'id' = %s AND state = 'completed'",
                [job.id],
            ),
        )
        args = from_json(handler[0][1])
        self.assertEqual(args["job"]["args"], {"urlId": 404})
        self.assertRegex(args["error"]["message"], "HTTP 404")


class UnknownAndBadCalls(unittest.TestCase):
    def test_unknown_function_raises_clearly_and_the_transaction_goes_on(self):
        with transaction.atomic():
            with self.assertRaisesRegex(UnknownFunctionError, r"unknown function games\.tasks\.uploads\.DeleteEverything: ifqueue has no task for it"):
                Enqueue(DeleteEverything, 1, name="Delete(1)")
            with self.assertRaisesRegex(UnknownFunctionError, r"unknown on-fail handler games\.tasks\.uploads\.RecodeGame"):
                Enqueue(CloneFile, 105, name="CloneUrl(105)", onfail=RecodeGame)
            with self.assertRaisesRegex(BadArgumentsError, r"CloneFile expects argv \[url_id\], got argv \[\] kwarg \{\}"):
                Enqueue(CloneFile, name="CloneUrl(106)")
            with self.assertRaisesRegex(BadArgumentsError, r"ImportGames expects append_urls=true/false only"):
                Enqueue(ImportGames, append_urls="yes")
            with self.assertRaises(TypeError):
                Enqueue(object())
            job = Enqueue(CloneFile, 107, name="CloneUrl(107)")  # the block is still usable
        self.assertEqual(count_named("Delete(1)") + count_named("CloneUrl(105)") + count_named("CloneUrl(106)"), 0)
        wait_state(job.id, "completed")

    def test_import_games_arguments_map_like_the_bridge(self):
        self.assertEqual(taskqueue.map_call(ImportGames, (), {}), ("import-games", {}))
        self.assertEqual(taskqueue.map_call(ImportGames, (True,), {}), ("import-games", {"appendUrls": True}))
        self.assertEqual(taskqueue.map_call(ImportGames, (), {"append_urls": False}), ("import-games", {}))
        self.assertEqual(taskqueue.map_call("games.tasks.uploads.CloneFile", ("77",), {}), ("clone-file", {"urlId": 77}))


class SqlApiFromPython(unittest.TestCase):
    """ifqueue.enqueue() itself, called on Django's connection."""

    def enqueue(self, task, args="{}", options="{}"):
        return query("SELECT ifqueue.enqueue(%s, %s::jsonb, %s::jsonb)", [task, args, options])[0][0]

    def test_unknown_task_and_bad_arguments_raise_and_roll_back_the_block(self):
        with self.assertRaisesRegex(ProgrammingError, r'unknown task "clone-fiel"; known tasks: .*clone-file'):
            with transaction.atomic():
                self.enqueue("clone-file", '{"urlId": 108}', '{"name": "CloneUrl(108)"}')
                self.enqueue("clone-fiel", '{"urlId": 108}')
        self.assertEqual(count_named("CloneUrl(108)"), 0, "the whole block rolled back")
        with self.assertRaisesRegex(DataError, r"invalid arguments for clone-file: urlId: expected integer, got string"):
            with transaction.atomic():
                self.enqueue("clone-file", '{"urlId": "108"}')
        with self.assertRaisesRegex(DataError, r"invalid arguments for clone-file: urlId: required"):
            with transaction.atomic():
                self.enqueue("clone-file", "{}")

    def test_or_get_dedupes_and_a_rolled_back_enqueue_is_gone(self):
        with transaction.atomic():
            first = self.enqueue("clone-file", '{"urlId": 900301}', '{"name": "CloneUrl(900301)", "orGet": true}')
            again = self.enqueue("clone-file", '{"urlId": 900301}', '{"name": "CloneUrl(900301)", "orGet": true}')
        self.assertEqual(first, again)
        release(900301)
        with self.assertRaises(Rollback):
            with transaction.atomic():
                gone = self.enqueue("recode-game", '{"gameUrlId": 302}')
                raise Rollback()
        self.assertIsNone(job_row(gone))


class EnqueueOrGetRacing(unittest.TestCase):
    def test_threads_racing_get_one_job(self):
        name = "CloneUrl(900401)"
        threads, ids, errors = 8, [], []
        barrier = threading.Barrier(threads)

        def caller():
            try:
                barrier.wait()
                with transaction.atomic():
                    job = EnqueueOrGet(CloneFile, 900401, name=name)
                    time.sleep(0.05)  # hold the transaction open while the others arrive
                ids.append(job.id)
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connections.close_all()

        workers = [threading.Thread(target=caller) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(ids), threads)
        self.assertEqual(len(set(ids)), 1, "every caller got the same job")
        self.assertEqual(count_named(name), 1, "one job in the database")
        wait_state(ids[0], "active")
        # running, it is still the live job with that name
        self.assertEqual(EnqueueOrGet(CloneFile, 900401, name=name).id, ids[0])
        release(900401)
        wait_state(ids[0], "completed")
        # finished, it no longer holds the name
        self.assertNotEqual(EnqueueOrGet(CloneFile, 900401, name=name).id, ids[0])

    def test_needs_a_name(self):
        with self.assertRaisesRegex(BadArgumentsError, "EnqueueOrGet needs a name"):
            EnqueueOrGet(CloneFile, 1)


class PriorityAndRetries(unittest.TestCase):
    def test_legacy_priority_maps_to_pg_boss_priority(self):
        with transaction.atomic():
            default = Enqueue(RecodeGame, 501)
            urgent = Enqueue(RecodeGame, 502, priority=10)
            late = Enqueue(RecodeGame, 503, priority=150)
        self.assertEqual(job_row(default.id)["priority"], 0)
        self.assertEqual(job_row(urgent.id)["priority"], 90)
        self.assertEqual(job_row(late.id)["priority"], -50)

        blocked = Enqueue(CloneFile, 900504, name="CloneUrl(900504)")
        wait_state(blocked.id, "active")
        queued = Enqueue(CloneFile, 900505, name="CloneUrl(900505)", dependency=blocked)  # held: stays queued
        # running: its priority no longer matters, and is left alone
        self.assertEqual(EnqueueOrGet(CloneFile, 900504, name="CloneUrl(900504)", priority=5).id, blocked.id)
        self.assertEqual(job_row(blocked.id)["priority"], 0)
        # queued: a more urgent call raises it, a less urgent one does not lower it
        with transaction.atomic():
            self.assertEqual(EnqueueOrGet(CloneFile, 900505, name="CloneUrl(900505)", priority=5).id, queued.id)
            self.assertEqual(EnqueueOrGet(CloneFile, 900505, name="CloneUrl(900505)", priority=50).id, queued.id)
        self.assertEqual(job_row(queued.id)["priority"], 95)
        release(900504)
        release(900505)
        wait_state(queued.id, "completed")

    def test_retries_follow_the_task_unless_given(self):
        queue = query("SELECT retry_limit, retry_delay, retry_backoff FROM pgboss.queue WHERE name = 'clone-file'")[0]
        default = job_row(Enqueue(CloneFile, 601).id)
        self.assertEqual((default["retry_limit"], default["retry_delay"], default["retry_backoff"]), queue)
        legacy = job_row(Enqueue(CloneFile, 602, retries=3, retry_minutes=2000).id)
        self.assertEqual((legacy["retry_limit"], legacy["retry_delay"], legacy["retry_backoff"]), (3, 120000, False))
        only_count = job_row(Enqueue(CloneFile, 603, retries=0).id)
        self.assertEqual((only_count["retry_limit"], only_count["retry_delay"]), (0, queue[1]))
        with self.assertRaisesRegex(BadArgumentsError, "retries must be a non-negative integer"):
            Enqueue(CloneFile, 604, retries=-1)


if __name__ == "__main__":
    unittest.main()
