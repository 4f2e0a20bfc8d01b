"""The bottom of the project: what every app may import and what imports none of them.

`core.background` queues Celery work; `core.api` (permissions, scopes, pagination, the error
shape, schema helpers) is the shared API foundation.
"""
