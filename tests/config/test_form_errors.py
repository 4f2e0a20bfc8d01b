"""Every form page gets, by construction (base layout + core.page_errors), one error summary
after a refused save, and each field in error is marked invalid and tied to its message."""

import re

from django.urls import reverse

from tests.factories import InterviewFactory


def test_a_refused_save_opens_on_one_summary_linking_each_field(client, caseworker):
    interview = InterviewFactory()
    client.force_login(caseworker)
    # An empty date (a body with nothing in it would leave the form unbound).
    response = client.post(
        reverse("interviews:schedule", args=[interview.case_id]), {"scheduled_for": ""}
    )
    page = response.content.decode()

    assert response.status_code in (200, 400)
    assert page.count('id="error-summary"') == 1
    summary = page[
        page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))
    ]
    anchors = re.findall(r'href="#([^"]+)"', summary)
    assert anchors
    for anchor in anchors:
        field = re.search(rf'<[a-z]+ [^>]*id="{anchor}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in field
        described = re.search(r'aria-describedby="([^"]+)"', field).group(1)
        for ref in described.split():
            assert f'id="{ref}"' in page


def test_a_page_without_a_refused_save_has_no_summary(client, caseworker):
    interview = InterviewFactory()
    client.force_login(caseworker)
    page = client.get(reverse("interviews:schedule", args=[interview.case_id])).content.decode()
    assert 'id="error-summary"' not in page
    assert 'aria-invalid="true"' not in page


def test_a_list_filter_in_error_is_not_a_refused_save(client, caseworker):
    client.force_login(caseworker)
    page = client.get(reverse("interviews:list"), {"date_from": "not a date"}).content.decode()
    assert 'id="error-summary"' not in page


def test_flash_messages_are_items_of_a_list_inside_the_live_region(rf, caseworker):
    from django.contrib.messages.storage.base import Message
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = caseworker
    page = render_to_string(
        "base.html", {"messages": [Message(25, "Saved.")], "user": caseworker}, request=request
    )
    assert re.search(
        r'<div role="status">\s*<ul class="messages">\s*<li class="message success">Saved\.</li>',
        page,
    )
