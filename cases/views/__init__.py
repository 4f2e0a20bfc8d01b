"""The caseworker's desk in the browser, one module per part: `desk` (the dashboard),
`case_list`, `intake`, `case_page` (the case page and its workflow steps) and `household` (the
edits of household data); `access` says who may use them.

Views are thin: they check who is asking, read through `cases.selectors`, write through
`cases.services` and `cases.workflow`, and render. Every page is for the mission's staff; a
partner system's account gets 403 here (it uses the API).
"""
