"""The learned suggester's feature cache is kept per database, not per image folder: two
databases over one folder (two teams' PostgreSQL projects, or a second SQLite database
beside the first) shared one file keyed by image id, so each fit's upkeep dropped the
other's vectors, and image id 1 of one database (another picture in the other) was
served the other's features."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from llmvis_desktop.core.suggest.features import FeatureCache, cache_path_for


def _project(root, url):
    return SimpleNamespace(root=root, db_url=url)


def test_two_team_databases_over_one_folder_keep_two_caches(tmp_path):
    root = tmp_path / "images"
    a = cache_path_for(_project(root, "postgresql+psycopg://alice:secret@db.lan/team_a"), "handcrafted")
    b = cache_path_for(_project(root, "postgresql+psycopg://alice:secret@db.lan/team_b"), "handcrafted")
    assert a is not None and b is not None and a != b
    # the same database with another password (or user's session) is the same cache; no password in it
    again = cache_path_for(_project(root, "postgresql+psycopg://alice:changed@db.lan/team_a"), "handcrafted")
    assert again == a and "secret" not in str(a)


def test_a_second_sqlite_database_beside_the_first_has_its_own_cache(tmp_path):
    db = tmp_path / ".llmvis"
    first = cache_path_for(_project(tmp_path, f"sqlite:///{db / 'project.sqlite'}"), "handcrafted")
    second = cache_path_for(_project(tmp_path, f"sqlite:///{db / 'other.sqlite'}"), "handcrafted")
    assert first == db / "features" / "handcrafted.npz"  # the default database's stays where it was
    assert second != first


def test_an_image_id_of_one_database_is_not_served_the_others_features(tmp_path):
    """Image 1 is a.png in team A's database and b.png in team B's (same time and size, as
    copies that keep times have): B's fit read A's vector for it."""
    root = tmp_path / "images"
    url_a, url_b = "postgresql://u@h/team_a", "postgresql://u@h/team_b"
    cache_a = FeatureCache(cache_path_for(_project(root, url_a), "handcrafted"), "handcrafted")
    cache_a.put(1, 1000, np.ones(4), 50)
    cache_a.save()
    cache_b = FeatureCache(cache_path_for(_project(root, url_b), "handcrafted"), "handcrafted")
    assert cache_b.get(1, 1000, 50) is None
    cache_b.prune(set())  # B's upkeep (its ids) leaves A's vectors alone
    cache_b.put(2, 1, np.zeros(4), 1)
    cache_b.save()
    assert FeatureCache(cache_path_for(_project(root, url_a), "handcrafted"), "handcrafted").get(1, 1000, 50) is not None
