"""``keel worker``: the way in driven by time and the log (ADR 0041).

Job kinds (``kinds.py``) say what is due at a date and do one cause; the scheduler (``scheduler.py``)
runs each kind on its schedule (cron in a time zone, recorded as events), takes every cause under a
lease in the database (``leases.py``) and records each run. Each cause's effect is an event whose id
derives from the cause, so a retry, a second worker or a run after a rebuild cannot repeat it.
"""
