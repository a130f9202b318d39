from django.urls import reverse


def test_coordinator_sees_their_organization(client, coordinator_user):
    client.force_login(coordinator_user)
    response = client.get(reverse("coordinator_home"))
    assert response.status_code == 200
    assert "Riverside MS Centre" in response.text
