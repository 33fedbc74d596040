"""IFDB's task queue, on ifqueue: a drop-in for core/taskqueue.py.

Enqueue() and EnqueueOrGet() keep their signatures; instead of saving a TaskQueueElement and signalling
the old worker, they call ifqueue.enqueue() (ifqueue's SQL API) on Django's own connection. So the job
is part of the caller's transaction: inside transaction.atomic() it exists if and only if the block
commits, and ifqueue's runners are woken by the commit. Outside atomic() (Django's autocommit) it is
committed at once, as the old .save() was.

The legacy functions (games.tasks.uploads.CloneFile, ...) map to ifqueue tasks through the table
below, generated from ifqueue's src/legacy/command-map.ts, the table the legacy bridge uses.

Uses only what Django 3.2 and 5.x both have: django.db.connection and cursor.execute/fetchone.
"""

import json
import re
import uuid

from django.db import connection

__all__ = [
    "Enqueue",
    "EnqueueOrGet",
    "Job",
    "TaskQueueError",
    "UnknownFunctionError",
    "BadArgumentsError",
]

# --- BEGIN GENERATED TABLE (npm run gen:ifdb-task-map; from src/legacy/command-map.ts; do not edit)
_TABLE = json.loads(r"""
{
  "functions": {
    "games.tasks.uploads.CloneFile": {
      "task": "clone-file",
      "params": [
        {
          "python": "url_id",
          "arg": "urlId",
          "type": "id",
          "keyword": false
        }
      ]
    },
    "games.tasks.uploads.RecodeGame": {
      "task": "recode-game",
      "params": [
        {
          "python": "gameurl_id",
          "arg": "gameUrlId",
          "type": "id",
          "keyword": false
        }
      ]
    },
    "games.tasks.game_importer.ImportGames": {
      "task": "import-games",
      "params": [
        {
          "python": "append_urls",
          "arg": "appendUrls",
          "type": "boolean",
          "keyword": true,
          "default": false
        }
      ]
    },
    "games.tasks.game_importer.ImportForceUpdateUrls": {
      "task": "import-force-update-urls",
      "params": []
    },
    "games.tasks.game_importer.ForceReimport": {
      "task": "force-reimport",
      "params": []
    },
    "core.feedfetcher.FetchFeeds": {
      "task": "fetch-feeds",
      "params": []
    }
  },
  "onFail": {
    "games.tasks.uploads.MarkBroken": "mark-broken"
  }
}
""")
# --- END GENERATED TABLE

_ENQUEUE_SQL = "SELECT ifqueue.enqueue(%s, %s::jsonb, %s::jsonb)"
_MAX_ID = 2 ** 53 - 1


class TaskQueueError(Exception):
    """A call ifqueue cannot take: nothing was enqueued."""


class UnknownFunctionError(TaskQueueError, LookupError):
    """The function (or on-fail handler) has no ifqueue task."""


class BadArgumentsError(TaskQueueError, ValueError):
    """The arguments do not fit the function's parameters as ifqueue maps them."""


class _Default(int):
    """A keyword default that can be told apart from the same number passed on purpose."""


# The legacy defaults (3 retries 2000 minutes apart) stand for "the task's own retry policy" (retries
# with backoff, minutes apart); values passed on purpose are honoured as the legacy queue did: a fixed
# delay, no backoff.
_DEFAULT_RETRIES = _Default(3)
_DEFAULT_RETRY_MINUTES = _Default(2000)


class Job:
    """An enqueued ifqueue job: what Enqueue() returns and dependency= accepts (task and name as asked)."""

    __slots__ = ("id", "task", "name")

    def __init__(self, id, task, name):
        self.id = id
        self.task = task
        self.name = name

    @property
    def pk(self):
        return self.id

    def __eq__(self, other):
        return isinstance(other, Job) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return "<ifqueue Job %s %s%s>" % (self.id, self.task, " %r" % self.name if self.name else "")


def _qualified(func, what):
    if isinstance(func, str):
        return func
    module = getattr(func, "__module__", None)
    name = getattr(func, "__name__", None)
    if not module or not name:
        raise TypeError("%s must be a function or its dotted name, got %r" % (what, func))
    return "%s.%s" % (module, name)


def _to_id(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 5.0 is 5 once in JSON, as the bridge reads it
    if isinstance(value, int):
        return value if 0 < value <= _MAX_ID else None
    if isinstance(value, str) and re.fullmatch(r"[1-9][0-9]{0,15}", value):
        number = int(value)
        return number if number <= _MAX_ID else None
    return None


def _describe(argv, kwarg):
    dump = lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False, default=repr)
    return ("argv %s kwarg %s" % (dump(list(argv)), dump(kwarg)))[:200]


def _expectation(fn):
    params = fn["params"]
    if not params:
        return "takes no arguments"
    if all(not p["keyword"] for p in params):
        return "expects argv [%s]" % ", ".join(p["python"] for p in params)
    return "expects %s only" % ", ".join(
        "%s=%s" % (p["python"], "true/false" if p["type"] == "boolean" else "id") if p["keyword"] else p["python"]
        for p in params
    )


def map_call(func, argv, kwarg):
    """(task, args) for a legacy call, bound and converted as the legacy bridge does (command-map.ts)."""
    qualified = _qualified(func, "the task function")
    fn = _TABLE["functions"].get(qualified)
    if fn is None:
        raise UnknownFunctionError(
            "unknown function %s: ifqueue has no task for it (it runs %s)"
            % (qualified, ", ".join(sorted(_TABLE["functions"])))
        )
    short = qualified.rsplit(".", 1)[-1]
    refused = BadArgumentsError("%s %s, got %s" % (short, _expectation(fn), _describe(argv, kwarg)))
    params = fn["params"]
    keywords = {p["python"] for p in params if p["keyword"]}
    if len(argv) > len(params) or any(k not in keywords for k in kwarg):
        raise refused
    args = {}
    for i, p in enumerate(params):
        if i < len(argv) and p["python"] in kwarg:
            raise refused
        if i < len(argv):
            given, present = argv[i], True
        else:
            given = kwarg.get(p["python"])
            present = given is not None
        if not present:
            if "default" not in p:
                raise refused
            continue
        value = _to_id(given) if p["type"] == "id" else (given if isinstance(given, bool) else None)
        if value is None:
            raise refused
        if "default" in p and type(value) is type(p["default"]) and value == p["default"]:
            continue
        args[p["arg"]] = value
    return fn["task"], args


def _on_fail_task(onfail):
    qualified = _qualified(onfail, "onfail")
    task = _TABLE["onFail"].get(qualified)
    if task is None:
        raise UnknownFunctionError(
            "unknown on-fail handler %s: ifqueue has no task for it (it knows %s)"
            % (qualified, ", ".join(sorted(_TABLE["onFail"])))
        )
    return task


def _dependency_ref(dependency):
    if isinstance(dependency, (str, uuid.UUID)):
        return str(dependency)
    ref = getattr(dependency, "id", None)
    if ref is None:
        raise TypeError("dependency must be a Job, a job id or a job name, got %r" % (dependency,))
    return str(ref)


def _integer(what, value, non_negative=False):
    if isinstance(value, bool) or not isinstance(value, int) or (non_negative and value < 0):
        raise BadArgumentsError("%s must be a%s integer, got %r" % (what, " non-negative" if non_negative else "n", value))
    return int(value)


def _enqueue(task, args, options):
    with connection.cursor() as cursor:
        cursor.execute(_ENQUEUE_SQL, [task, json.dumps(args), json.dumps(options)])
        job_id = cursor.fetchone()[0]
    return Job(str(job_id), task, options.get("name"))


def Enqueue(
    func,
    *argv,
    name=None,
    onfail=None,
    priority=100,
    retries=_DEFAULT_RETRIES,
    retry_minutes=_DEFAULT_RETRY_MINUTES,
    dependency=None,
    **kwarg,
):
    """Enqueues func(*argv, **kwarg) as its ifqueue job, in the caller's transaction; returns the Job.

    priority: lower runs sooner (100 by default), honoured (the legacy queue ignored it).
    onfail: a handler (games.tasks.uploads.MarkBroken) run after the final failure; None keeps the
    task's own default (clone-file's is mark-broken).
    retries / retry_minutes: left at their defaults, the task's retry policy applies; given, the job
    retries that many times, that many minutes apart, without backoff.
    dependency: a Job (or job id, or job name) that must succeed first.
    """
    task, args = map_call(func, argv, kwarg)
    options = {"priority": _integer("priority", priority)}
    if name is not None:
        options["name"] = name
    if onfail is not None:
        options["onFail"] = _on_fail_task(onfail)
    if retries is not _DEFAULT_RETRIES:
        options["retries"] = _integer("retries", retries, non_negative=True)
    if retry_minutes is not _DEFAULT_RETRY_MINUTES:
        options["retryDelaySeconds"] = _integer("retry_minutes", retry_minutes, non_negative=True) * 60
    if dependency is not None:
        options["dependsOn"] = _dependency_ref(dependency)
    return _enqueue(task, args, options)


def EnqueueOrGet(func, *argv, name=None, priority=100, **kwarg):
    """The live job (queued, waiting or running) named `name`, else a new one as Enqueue() makes it.

    Atomic under concurrent callers: they wait for one another until the first one's transaction ends.
    A more urgent priority (a lower number) raises the existing job's. Needs READ COMMITTED (Django's
    default isolation level).
    """
    if not name:
        raise BadArgumentsError("EnqueueOrGet needs a name: it returns the live job with that name")
    task, args = map_call(func, argv, kwarg)
    options = {"name": name, "priority": _integer("priority", priority), "orGet": True}
    return _enqueue(task, args, options)
