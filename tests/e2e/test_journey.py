"""A person's first session: sign up, write a note with a photo, see it, edit it, delete it."""

from __future__ import annotations

import pytest
from PIL import Image

from posts.models import Post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def jpeg_file(tmp_path):
    path = tmp_path / "sunset.jpg"
    image = Image.new("RGB", (1600, 1000), (240, 120, 40))
    for x in range(0, 1600, 8):  # a horizon, so the screenshot shows a real picture
        for y in range(600, 1000, 8):
            image.putpixel((x, y), (30, 40, 90))
    image.save(path, "JPEG")
    return path


def test_signup_write_edit_delete(page, site, shoot, tmp_path):
    """The whole first-day journey works in a real browser."""
    page.goto(f"{site}/")
    shoot(page, "01-landing")
    page.get_by_role("link", name="Start your blog").click()
    page.fill("input[name=username]", "carol")
    page.fill("input[name=email]", "carol@example.com")
    page.fill("input[name=password1]", "a-long-test-password-1")
    shoot(page, "02-signup")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(f"{site}/posts/")

    page.get_by_role("link", name="New post").first.click()
    page.fill("#id_content", "Watching the **sunset** from the pier tonight.")
    page.set_input_files("#id_photo_1", str(jpeg_file(tmp_path)))
    page.fill("#id_alt_1", "An orange sky over dark water")
    page.fill("#id_categories", "evenings, sea")
    shoot(page, "03-composer")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/watching-the-sunset-from-the-pier/")
    permalink = page.url
    assert permalink.startswith("http://carol.microhost.test:")
    assert page.locator(".e-content strong").inner_text() == "sunset"
    photo = page.locator("img.u-photo")
    assert photo.get_attribute("alt") == "An orange sky over dark water"
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 1280
    shoot(page, "04-permalink")

    page.goto(f"{site}/posts/")
    page.get_by_role("link", name="Edit").click()
    page.fill("#id_content", "Watching the sunset from the pier. Edited: the boats came in.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(permalink)
    assert "the boats came in" in page.locator(".e-content").inner_text()
    assert page.locator("time.dt-updated").count() == 1

    page.goto(permalink.split("/20")[0] + "/")
    assert page.locator("article.h-entry").count() == 1
    shoot(page, "05-blog-home")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "06-blog-home-phone")
    page.set_viewport_size({"width": 1100, "height": 900})

    page.goto(f"{site}/posts/")
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(f"{site}/posts/")
    assert page.get_by_role("button", name="Undelete").count() == 1
    shoot(page, "07-dashboard-deleted")
    response = page.goto(permalink)
    assert response.status == 410
    assert Post.objects.get().is_deleted


def test_form_errors_keep_what_was_typed(page, site, shoot, make_user):
    """A bad photo shows an error next to its field and keeps the text."""
    make_user("dana")
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", "dana")
    page.fill("input[name=password]", "a-long-test-password-1")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{site}/posts/")
    page.goto(f"{site}/posts/new/")
    page.fill("#id_content", "Text I do not want to lose")
    page.set_input_files(
        "#id_photo_1", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not an image"}]
    )
    page.get_by_role("button", name="Publish").click()
    assert page.locator(".has-error .error").inner_text().startswith("That file is not an image")
    assert page.input_value("#id_content") == "Text I do not want to lose"
    shoot(page, "08-composer-error")
    assert not Post.objects.exists()
