"""The shared API foundation every app's API builds on (and which imports none of the apps).

- `views`: `BaseApi` and `ListApi`, the base of every API class;
- `permissions`: the one access declaration (read/write scope and roles) and its check;
- `serializers`: `StrictSerializer`, the base of every input (unknown and read-only keys: 400);
- `parsers`: JSON refused cleanly (too deep, NUL characters, too large);
- `errors`: the one error shape and the exception handler;
- `pagination`, `metadata` (OPTIONS), `schema` (OpenAPI: errors, scopes, roles), `docs`
  (Swagger UI under the strict CSP), `oauth` (partner scopes and tokens).
"""
