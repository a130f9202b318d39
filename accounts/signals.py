"""Signals accounts sends so that later apps can follow without accounts importing them.

`accounts` ← `programs` ← `sessions`: accounts may not call into programs, yet accepting a
participant's invitation is what starts their enrollment. Receivers run inside the accepting
transaction, so a failure there leaves the invitation unused.
"""

from django.dispatch import Signal

# sender=Invitation, user=User, invitation=Invitation: the invitation was accepted just now.
invitation_accepted = Signal()
