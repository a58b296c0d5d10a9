"""Function summaries, asked directly: what a function returns, what it does with its
parameters, and which pool it hands out."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaklint.config import GoModels
from leaklint.golang import summary
from leaklint.golang.index import build_index, load_file
from leaklint.golang.resolve import Callee, Resolver

SOURCE = b'''package p

import (
	"net/http"
	"sync"
	"time"
)

type T struct {
	c       *http.Client
	last    *http.Response
	clients map[string]*http.Client
	once    sync.Once
	shared  *http.Client
}

func (t *T) open(u string) (*http.Response, error) { return t.c.Get(u) }

func (t *T) closedByDefer(u string) *http.Response {
	resp, err := t.c.Get(u)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	return resp
}

func (t *T) passThrough(u string) *http.Response { return t.closedByDefer(u) }

func (t *T) openThrough(u string) (*http.Response, error) { return t.open(u) }

func (t *T) getter() *http.Response { return t.last }

func closeIt(r *http.Response) { r.Body.Close() }

func keepIt(t *T, r *http.Response) { t.last = r }

func readIt(r *http.Response) int { return r.StatusCode }

func newTransport() *http.Transport {
	return &http.Transport{IdleConnTimeout: time.Minute}
}

func (t *T) memo(host string) *http.Client {
	if c, ok := t.clients[host]; ok {
		return c
	}
	c := &http.Client{Transport: &http.Transport{IdleConnTimeout: time.Minute}}
	t.clients[host] = c
	return c
}

func (t *T) onceClient() *http.Client {
	t.once.Do(func() {
		t.shared = &http.Client{Transport: &http.Transport{IdleConnTimeout: time.Minute}}
	})
	return t.shared
}
'''


@pytest.fixture
def package(tmp_path: Path):
    (tmp_path / "go.mod").write_text("module example.com/p\n\ngo 1.22\n")
    path = tmp_path / "p.go"
    path.write_bytes(SOURCE)
    index = build_index("example.com/p", [load_file(None, path, SOURCE)])
    resolver = Resolver(index, tmp_path, GoModels())

    def callee(key: str) -> Callee:
        info = index.funcs[key]
        return Callee("local", index.key, info.name, info, index)

    return resolver, callee


def test_result_summaries(package):
    resolver, callee = package
    assert summary.result(resolver, callee("T.open")) == summary.FRESH
    assert summary.result(resolver, callee("T.closedByDefer")) == summary.CLOSED
    assert summary.result(resolver, callee("T.passThrough")) == summary.CLOSED
    assert summary.result(resolver, callee("T.openThrough")) == summary.FRESH
    assert summary.result(resolver, callee("T.getter")) == summary.KEPT


def test_parameter_summaries(package):
    resolver, callee = package
    assert summary.param(resolver, callee("closeIt"), 0, "response") == summary.CLOSES
    assert summary.param(resolver, callee("keepIt"), 1, "response") == summary.KEEPS
    assert summary.param(resolver, callee("readIt"), 0, "response") is None


def test_pool_summaries(package):
    resolver, callee = package
    assert summary.pool(resolver, callee("newTransport")) == summary.FRESH
    assert summary.pool(resolver, callee("T.memo")) == summary.CACHED
    assert summary.pool(resolver, callee("T.onceClient")) == summary.CACHED
    assert summary.pool(resolver, callee("T.open")) is None
