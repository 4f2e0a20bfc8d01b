def test_an_api_address_that_matches_nothing_answers_with_the_json_error_body(client, caseworker):
    client.force_login(caseworker)
    response = client.get("/api/v1/cases/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_page_that_does_not_exist_is_the_html_404(client, caseworker):
    client.force_login(caseworker)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
