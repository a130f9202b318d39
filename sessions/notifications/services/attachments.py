"""Calendar attachments of session messages, made once per version of a session.

A session's reminder goes to everyone in its group with the same calendar file, and making
that file (icalendar) cost about a tenth of sending a reminder (issue 18). The file depends
only on the session's own fields (sessions/services/calendar.py reads nothing else), so it is
kept under the values of all of them: any change to the session, saved or not, is another key
and makes a new file; nothing is ever served from an older version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sessions.models import ScheduledSession
from sessions.services.calendar import calendar_ics

# Sessions whose reminders are being sent around the same time: a day's worth is a few hundred.
KEEP = 512

_lock = threading.Lock()
_made: OrderedDict[tuple[object, ...], bytes] = OrderedDict()


def _version(session: ScheduledSession) -> tuple[object, ...]:
    return tuple(getattr(session, field.attname) for field in session._meta.concrete_fields)


def session_ics(session: ScheduledSession) -> bytes:
    """calendar_ics(sessions=[session]), made once for each version of the session."""
    key = _version(session)
    with _lock:
        made = _made.get(key)
        if made is not None:
            _made.move_to_end(key)
            return made
    made = calendar_ics(sessions=[session])
    with _lock:
        _made[key] = made
        while len(_made) > KEEP:
            _made.popitem(last=False)
    return made
