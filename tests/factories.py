from pathlib import Path

import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from gallery.models import Image
from gallery.services import image_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-passphrase-1")

    @factory.post_generation
    def verified(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def ready_image(owner: User, path: Path) -> Image:
    """An image through the real upload service and the ingest task's body, then the body of the
    task the ingest sends by name (which queues recognition when the detector is installed), as
    a worker runs them."""
    from gallery.tasks import image_ingest_task
    from jobs.models import Job
    from processing.tasks import image_ingested_task

    with path.open("rb") as file:
        image, _ = image_create(owner=owner, file=file, name=path.name)
    job = Job.objects.filter(image=image, kind=Job.Kind.INGEST).latest("queued_at")
    image_ingest_task(str(image.pk), str(job.pk))
    image_ingested_task(str(image.pk))
    image.refresh_from_db()
    return image
