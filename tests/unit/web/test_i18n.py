"""The Russian catalog ships and LocaleMiddleware picks it from Accept-Language."""

import pytest
from django.utils import translation

from parley.wire.errors import ErrorCode
from parley.wire.frames import Limits, ProtocolError, parse_frame

LIMITS = Limits(max_frame_bytes=65536, max_room_chars=64, max_client_id_chars=64)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("ru", ["Войти", "Ещё нет аккаунта?", "Зарегистрироваться"], "Sign in"),
        ("en", ["Sign in", "No account yet?", "Sign up"], "Войти"),
    ],
)
def test_login_page_follows_accept_language(client, language, expected, absent):
    response = client.get("/accounts/login/", headers={"accept-language": language})

    assert response.status_code == 200
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    for text in expected:
        assert text in html
    assert absent not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        (
            "ru",
            [
                "Комнаты",
                "Введите название комнаты, чтобы войти в неё или создать новую",
                "Перейти",
                "Других открытых комнат нет.",
                "Ваши комнаты",
                "Уведомления",
                "Выйти",
            ],
            "Rooms",
        ),
        (
            "en",
            [
                "Rooms",
                "Join or create a room by name",
                "Enter",
                "No other public rooms.",
                "Your rooms",
                "Notifications",
                "Sign out",
            ],
            "Комнаты",
        ),
    ],
)
def test_room_list_follows_accept_language(
    client, django_user_model, language, expected, absent
):
    user = django_user_model.objects.create_user(username="ivan", password="x")
    client.force_login(user)

    response = client.get("/", headers={"accept-language": language})

    assert response.status_code == 200
    assert response["Content-Language"] == language
    html = response.content.decode()
    for text in expected:
        assert text in html
    assert absent not in html


def test_protocol_error_is_translated():
    with translation.override("ru"), pytest.raises(ProtocolError) as caught:
        parse_frame(b"not json", LIMITS)

    assert caught.value.code == ErrorCode.INVALID_JSON
    assert caught.value.message == "Фрейм не является корректным JSON."


def test_protocol_error_with_placeholders_is_translated():
    with translation.override("ru"), pytest.raises(ProtocolError) as caught:
        parse_frame(b'{"type": "warp"}', LIMITS)

    assert caught.value.code == ErrorCode.UNKNOWN_TYPE
    assert caught.value.message == "Неизвестный тип фрейма: 'warp'."


def test_protocol_error_stays_english_in_english():
    with translation.override("en"), pytest.raises(ProtocolError) as caught:
        parse_frame(b"not json", LIMITS)

    assert caught.value.message == "Frame is not valid JSON."
