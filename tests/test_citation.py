"""CITATION.cff: valid YAML with the Citation File Format 1.2.0's required keys, the project's version, licence and
repository as settings.ini gives them, and the MART paper (CVPR 2024) as its preferred citation."""

import configparser, copy, re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LICENCES = {'apache2': 'Apache-2.0'}  # settings.ini's licence names -> SPDX identifiers


def _cff() -> dict:
    return yaml.safe_load((ROOT / 'CITATION.cff').read_text(encoding='utf-8'))


def _settings() -> configparser.SectionProxy:
    cp = configparser.ConfigParser()
    cp.read(ROOT / 'settings.ini')
    return cp['DEFAULT']


def _authors_ok(authors) -> bool:
    "CFF: a non-empty list of persons (family-names or given-names) or entities (name)."
    return bool(authors) and all(
        isinstance(a, dict) and ({'family-names', 'given-names', 'name'} & set(a)) for a in authors
    )


def problems(c: dict, s) -> list:
    "What is wrong with the citation `c` for the project whose settings are `s` (empty: nothing)."
    out = []
    if c.get('cff-version') != '1.2.0':
        out.append('cff-version is not 1.2.0')
    out += [f'no {k}' for k in ('message', 'title', 'authors') if not c.get(k)]
    if not _authors_ok(c.get('authors')):
        out.append('an author without a name')
    if str(c.get('version')) != s['version']:
        out.append("version differs from settings.ini's")
    if c.get('license') != LICENCES.get(s['license']):
        out.append("license differs from settings.ini's")
    if c.get('repository-code') != s['git_url']:
        out.append("repository-code differs from settings.ini's git_url")
    p = c.get('preferred-citation') or {}
    if p.get('type') != 'conference-paper' or p.get('year') != 2024:
        out.append('preferred citation is not the CVPR 2024 paper')
    if not str(p.get('title', '')).startswith('MART: Masked Affective RepresenTation Learning'):
        out.append('paper title')
    if [a.get('family-names') for a in p.get('authors', [])] != ['Zhang', 'Zhao', 'Park', 'Yang']:
        out.append('paper authors')
    if not re.fullmatch(r'10\.\d{4,}/\S+', str(p.get('doi', ''))):
        out.append('paper DOI')
    if not p.get('start', 0) < p.get('end', 0):
        out.append('paper pages')
    if p not in (c.get('references') or []):
        out.append('the paper is not among the references')
    return out


def test_citation_file_is_complete():
    assert problems(_cff(), _settings()) == []


def test_the_checks_can_fail():
    "Controls: each planted fault is named."
    s = _settings()
    for change, named in [
        (lambda c: c.update(version='9.9.9'), "version differs"),
        (lambda c: c['authors'].append({'email': 'x@example.org'}), 'an author without a name'),
        (lambda c: c.pop('title'), 'no title'),
        (lambda c: c['preferred-citation'].update(doi='none'), 'paper DOI'),
        (lambda c: c['preferred-citation']['authors'].reverse(), 'paper authors'),
    ]:
        c = copy.deepcopy(_cff())
        change(c)
        assert any(named in p for p in problems(c, s)), named
