"""Helpers every app shares: portal view guards and form errors (portal.py), admin actions that
run a service per row (admin_actions.py), database statements Django lacks (db.py).

At the bottom of the layers with business_time: it imports no app of the project (checked by
import-linter, .importlinter), so any app may use it."""
