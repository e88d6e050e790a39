"""The table of every audit chain's head."""

from django.db import models


class AuditChainHead(models.Model):
    """Every audit chain's length and last hash, in a table of their own.

    The chain's owner (an engagement, the catalogue's head row) keeps its head too, but
    deleting the owner or emptying its chain and zeroing its head leaves nothing to compare
    with: these rows, written in the same transaction as each append and never deleted (no
    foreign key cascades to them), are what verify_audit walks, so a chain that went missing
    shows.
    """

    class Chain(models.TextChoices):
        ENGAGEMENT = "engagement"
        CATALOGUE = "catalogue"

    chain = models.CharField(max_length=20, choices=Chain.choices)
    # The engagement's id; 0 for the catalogue's one chain. Not a foreign key, on purpose.
    owner = models.PositiveBigIntegerField(default=0)
    length = models.PositiveIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)

    class Meta:
        # Made by the catalogue app before trail was its own app; the rows stay where they are.
        db_table = "responsibilities_auditchainhead"
        constraints = [
            models.UniqueConstraint(fields=["chain", "owner"], name="one_head_per_chain")
        ]

    def __str__(self):
        return f"{self.chain} {self.owner}: {self.length} events, head {self.head[:12]}"
