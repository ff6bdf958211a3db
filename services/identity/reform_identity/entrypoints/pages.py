"""The HTML pages of sign-in, in Vietnamese with English beside: no script, one stylesheet of our own.

Accessibility (WCAG 2.1 AA): every input has a <label>; errors are summarised at the top in a
role="alert" region (announced by screen readers) that links to the field, and each field's error is
tied to it with aria-describedby and aria-invalid; focus is visible; text contrast ≥ 7:1; the layout
reflows to a phone's width; nothing needs JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' http: https:;"
                               " frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    vi: str
    en: str


def page(title_vi: str, title_en: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{escape(title_vi)} — {escape(title_en)}</title>
<link rel="stylesheet" href="/static/signin.css">
</head>
<body>
<main class="wrap">
<div class="card">
{body}
</div>
<footer>Hệ thống sáng kiến cải cách hành chính · <span lang="en">Administrative-reform initiatives</span></footer>
</main>
</body>
</html>
"""


def _errors(errors: list[FieldError]) -> str:
    if not errors:
        return ""
    items = "".join(
        f'<li><a href="#{e.field}">{escape(e.vi)}</a> <span class="en" lang="en">({escape(e.en)})</span></li>'
        if e.field else f'<li>{escape(e.vi)} <span class="en" lang="en">({escape(e.en)})</span></li>'
        for e in errors)
    return (f'<div class="errors" id="error-summary" role="alert" tabindex="-1">'
            '<h2>Chưa đăng nhập được <span class="en" lang="en">(Could not continue)</span></h2>'
            f'<ul>{items}</ul></div>')


def _input(name: str, kind: str, label_vi: str, label_en: str, errors: list[FieldError], *, value: str = "",
           autocomplete: str = "", hint: tuple[str, str] | None = None, autofocus: bool = False) -> str:
    error = next((e for e in errors if e.field == name), None)
    described = []
    hint_html = ""
    if hint:
        hint_html = (f'<span class="hint" id="{name}-hint">{escape(hint[0])} '
                     f'<span lang="en">({escape(hint[1])})</span></span>')
        described.append(f"{name}-hint")
    error_html = ""
    if error:
        error_html = (f'<span class="field-error" id="{name}-error">Lỗi: {escape(error.vi)} '
                      f'<span lang="en">(Error: {escape(error.en)})</span></span>')
        described.append(f"{name}-error")
    attrs = [f'type="{kind}"', f'id="{name}"', f'name="{name}"', 'required']
    if value:
        attrs.append(f'value="{escape(value)}"')
    if autocomplete:
        attrs.append(f'autocomplete="{autocomplete}"')
    if described:
        attrs.append(f'aria-describedby="{" ".join(described)}"')
    if error:
        attrs.append('aria-invalid="true"')
    if autofocus:
        attrs.append("autofocus")
    if kind == "text":
        attrs += ['autocapitalize="none"', 'spellcheck="false"']
    return (f'<label for="{name}">{escape(label_vi)} <span class="en" lang="en">({escape(label_en)})</span>'
            f'{hint_html}</label>{error_html}<input {" ".join(attrs)}>')


def _hidden(**fields: str) -> str:
    return "".join(f'<input type="hidden" name="{name}" value="{escape(value)}">' for name, value in fields.items())


def sign_in_page(*, request_id: str, csrf: str, client_name: str, user_name: str = "",
                 errors: list[FieldError] | None = None, notice: str = "") -> str:
    errors = errors or []
    focus_user = not errors or any(e.field == "username" for e in errors) or not user_name
    body = f"""<h1>Đăng nhập <span class="en" lang="en">(Sign in)</span></h1>
<p class="sub">vào {escape(client_name)}</p>
{notice}
{_errors(errors)}
<form method="post" action="/authorize" novalidate>
{_hidden(request_id=request_id, csrf=csrf)}
{_input("username", "text", "Tên đăng nhập", "User name", errors, value=user_name, autocomplete="username",
        hint=("Mã cán bộ trong danh bạ, ví dụ: lan", "your id in the directory, e.g. lan"), autofocus=focus_user)}
{_input("password", "password", "Mật khẩu", "Password", errors, autocomplete="current-password",
        autofocus=not focus_user)}
<button type="submit">Đăng nhập <span lang="en">(Sign in)</span></button>
</form>
<p class="en">Quên mật khẩu? Liên hệ quản trị viên hệ thống của xã/phường để được cấp mật khẩu dùng một lần.
<span lang="en">Forgot your password? Ask your commune's administrator for a one-time password.</span></p>"""
    return page("Đăng nhập", "Sign in", body)


def change_password_page(*, request_id: str, csrf: str, user_name: str, min_length: int,
                         errors: list[FieldError] | None = None) -> str:
    errors = errors or []
    body = f"""<h1>Đổi mật khẩu <span class="en" lang="en">(Change your password)</span></h1>
<p class="notice">Tài khoản <strong>{escape(user_name)}</strong> đang dùng mật khẩu dùng một lần do quản trị viên cấp:
hãy đặt mật khẩu mới để tiếp tục. <span class="en" lang="en">Your account has a one-time password set by the
administrator: choose a new password to continue.</span></p>
{_errors(errors)}
<form method="post" action="/password" novalidate>
{_hidden(request_id=request_id, csrf=csrf)}
{_input("new_password", "password", "Mật khẩu mới", "New password", errors, autocomplete="new-password",
        hint=(f"Ít nhất {min_length} ký tự, không chứa tên đăng nhập",
              f"at least {min_length} characters, not containing the user name"), autofocus=True)}
{_input("confirm_password", "password", "Nhập lại mật khẩu mới", "Repeat the new password", errors,
        autocomplete="new-password")}
<button type="submit">Đổi mật khẩu <span lang="en">(Change password)</span></button>
</form>"""
    return page("Đổi mật khẩu", "Change your password", body)


def message_page(title_vi: str, title_en: str, vi: str, en: str) -> str:
    body = (f'<h1>{escape(title_vi)} <span class="en" lang="en">({escape(title_en)})</span></h1>'
            f'<div role="alert"><p>{escape(vi)}</p><p class="en" lang="en">{escape(en)}</p></div>')
    return page(title_vi, title_en, body)


def own_password_page(*, request_id: str, csrf: str, user_name: str, min_length: int,
                      errors: list[FieldError] | None = None) -> str:
    """An official changes their password of their own accord: the current one, then the new one twice."""
    errors = errors or []
    focus_user = not user_name or any(e.field == "username" for e in errors)
    body = f"""<h1>Đổi mật khẩu <span class="en" lang="en">(Change your password)</span></h1>
{_errors(errors)}
<form method="post" action="/account/password" novalidate>
{_hidden(request_id=request_id, csrf=csrf)}
{_input("username", "text", "Tên đăng nhập", "User name", errors, value=user_name, autocomplete="username",
        autofocus=focus_user)}
{_input("current_password", "password", "Mật khẩu hiện tại", "Current password", errors,
        autocomplete="current-password", autofocus=not focus_user and not errors)}
{_input("new_password", "password", "Mật khẩu mới", "New password", errors, autocomplete="new-password",
        hint=(f"Ít nhất {min_length} ký tự, không chứa tên đăng nhập",
              f"at least {min_length} characters, not containing the user name"))}
{_input("confirm_password", "password", "Nhập lại mật khẩu mới", "Repeat the new password", errors,
        autocomplete="new-password")}
<button type="submit">Đổi mật khẩu <span lang="en">(Change password)</span></button>
</form>"""
    return page("Đổi mật khẩu", "Change your password", body)
