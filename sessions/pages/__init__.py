"""What the sessions app's pages show, put together for their views.

Each function takes objects the view has already fetched through an access-checked selector
(a cohort or session for staff, the signed-in participant's own courses) and returns what the
template needs, reading the rest through the selectors. Kept apart from the views so that
those only parse, call one of these or a service, and render.

- `staff`: the attendance grid and one session's page;
- `participant`: the week pages, the practice log, and choosing a course.
"""
