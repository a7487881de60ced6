#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# html-dom.py REPORT.json DOM.html [PAGE.html]: does the HTML report show
# everything the JSON report of the same scan says? DOM.html is the page as
# a browser built it (chromium --dump-dom) or the page itself. Prints one
# line per check, "PASS what" or "FAIL what: why"; tests/html.sh and
# tests/html-escape.sh turn them into TAP. The elements are found by the
# data- attributes and ids docs/cli.md names ("HTML report").
import html.parser
import json
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "param", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.parts = [], []

    def text(self):
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def cls(self):
        return (self.attrs.get("class") or "").split()


class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.parts.append(data)


results = []


def check(ok, what, why=""):
    results.append((bool(ok), what, why))


def main():
    rep = json.load(open(sys.argv[1], encoding="utf-8"))
    t = Tree()
    dom = open(sys.argv[2], encoding="utf-8", errors="replace").read()
    t.feed(dom)
    t.close()
    nodes = list(t.root.walk())

    def find(tag=None, cls=None, **attrs):
        out = []
        for n in nodes:
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.cls():
                continue
            if all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append(n)
        return out

    def under(root, tag=None, cls=None, **attrs):
        return [n for n in root.walk() if n is not root and (not tag or n.tag == tag)
                and (not cls or cls in n.cls())
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    check(len(find("body")) == 1, "the page has a body")
    body = find("body")[0] if find("body") else Node("body", [], None)
    check(body.attrs.get("data-exit-code") == str(rep["exit_code"]),
          "the page's exit code is the JSON's (%s)" % rep["exit_code"],
          "page says %r" % body.attrs.get("data-exit-code"))
    ip = find(id="image-path")
    check(ip and ip[0].text() == rep["image"]["path"], "the image path is shown as given",
          repr(ip[0].text()) if ip else "no #image-path")

    # nothing to run, nothing to load
    check(not find("script"), "no script element")
    on = [n.tag + "." + k for n in nodes for k in n.attrs if k.lower().startswith("on")]
    check(not on, "no event-handler attribute", ", ".join(on[:5]))
    refs = [(n.tag, k, v) for n in nodes for k, v in n.attrs.items()
            if k.lower() in ("src", "href", "xlink:href", "action", "formaction", "poster", "srcset", "data")
            and v is not None and not (v.startswith("#") or v.startswith("data:"))]
    check(not refs, "every src/href is a #fragment or data: (%d elements)" % len(nodes),
          repr(refs[:5]))
    for n in find("link") + find("iframe") + find("object") + find("embed") + find("img"):
        check(False, "no %s element" % n.tag, repr(n.attrs))
    csp = [n for n in find("meta") if (n.attrs.get("http-equiv") or "").lower() == "content-security-policy"]
    check(csp and "default-src 'none'" in csp[0].attrs.get("content", ""),
          "a Content-Security-Policy of default-src 'none'")
    styles = "".join(n.text() for n in find("style")) + "".join(
        n.attrs.get("style") or "" for n in nodes)
    check("url(" not in styles and "@import" not in styles, "the CSS loads nothing (no url(), no @import)")

    # the image map: every structure of the JSON drawn
    im = find(id="map-image")
    check(im, "the image map is drawn (svg#map-image)")
    if im:
        drawn = under(im[0], "rect")
        nstruct = len([r for r in drawn if "data-structure" in r.attrs])
        want = min(len(rep["structures"]), 4096)
        check(nstruct == want, "the image map draws every structure (%d)" % want,
              "drew %d" % nstruct)
        for ns in rep["namespaces"]:
            r = [x for x in drawn if x.attrs.get("data-ns") == str(ns["index"])]
            check(len(r) == 1 and r[0].attrs.get("data-off") == str(ns["offset"]),
                  "the image map draws namespace %d at its offset %d" % (ns["index"], ns["offset"]))

    cont = rep["image"].get("container")
    if cont and cont.get("kind") == "ewf":
        v = find(data_verify=cont["verify"])
        check(v, "the container verification is shown as %s" % cont["verify"])
        md5 = cont.get("stored_md5")
        check(md5 is None or md5 in body.text(), "the stored MD5 is shown")

    secs = find("section", cls="ns")
    check(len(secs) == len(rep["namespaces"]),
          "one section per namespace (%d)" % len(rep["namespaces"]), "found %d" % len(secs))
    for ns in rep["namespaces"]:
        i = ns["index"]
        verdict = ns["verdict"]["result"] or ("nested" if ns["nested_in"] is not None else "none")
        s = find("section", id="ns-%d" % i)
        if not s:
            check(False, "namespace %d has its section" % i)
            continue
        s = s[0]
        a = s.attrs
        check(a.get("data-ns") == str(i) and a.get("data-mode") == ns["mode"]
              and a.get("data-offset") == str(ns["offset"]) and a.get("data-size") == str(ns["size"]),
              "namespace %d: section with mode %s, offset %d, size %d" % (i, ns["mode"], ns["offset"], ns["size"]),
              repr(a))
        check(a.get("data-verdict") == verdict, "namespace %d: verdict %s on its section" % (i, verdict),
              repr(a.get("data-verdict")))
        v = under(s, cls="verdict", data_ns=str(i))
        check(len(v) == 1 and v[0].attrs.get("data-verdict") == verdict
              and v[0].attrs.get("data-chosen") == ns["verdict"]["chosen"],
              "namespace %d: the verdict element says %s, chosen %s" % (i, verdict, ns["verdict"]["chosen"]),
              repr(v[0].attrs) if v else "no .verdict")
        summ = under(s, cls="summary")
        check(summ and summ[0].text() == ns["verdict"]["summary"],
              "namespace %d: the summary is the JSON's" % i, repr(summ[0].text()) if summ else "none")
        m = under(s, "svg", id="map-ns-%d" % i)
        check(m, "namespace %d: its map to scale (svg#map-ns-%d)" % (i, i))
        for c in ns["candidates"]:
            li = under(s, "li", cls="cand", data_cand=c["name"])
            what = "namespace %d: candidate %s at %d" % (i, c["name"], c["offset"])
            if not li:
                check(False, what, "no li.cand")
                continue
            la = li[0].attrs
            check(la.get("data-offset") == str(c["offset"]) and la.get("data-size") == str(c["size"])
                  and la.get("data-semantics") == c["semantics"] and la.get("data-ns") == str(i),
                  what + ", size %d, semantics %s" % (c["size"], c["semantics"]), repr(la))
            ptype = (c.get("probe") or {}).get("type")
            check(la.get("data-fs") == ptype, what + ": holds %s" % ptype, repr(la.get("data-fs")))
            plabel = (c.get("probe") or {}).get("label")
            if plabel:
                check('label "%s"' % plabel in li[0].text(), what + ": its filesystem label as stored",
                      repr(li[0].text()))
            ev = [e.text() for e in under(li[0], "li", cls="evidence")]
            check(ev == c["evidence"], what + ": its %d pieces of evidence" % len(c["evidence"]),
                  repr(ev))
            if c["name"] != "btt" and m:
                r = under(m[0], data_cand=c["name"])
                check(r and r[0].attrs.get("data-off") == str(c["offset"]),
                      what + ": drawn in the map from its offset", repr(r[0].attrs) if r else "not drawn")
        notes = [n.text() for n in under(s, "li", cls="note")]
        check(notes == ns["verdict"]["notes"], "namespace %d: its %d notes" % (i, len(notes)), repr(notes))
        cmds = [n.text() for n in under(s, "pre", cls="cmd")]
        check(cmds == ns["verdict"]["next_commands"],
              "namespace %d: its %d next commands, quoted as in the JSON" % (i, len(ns["verdict"]["next_commands"])),
              repr(cmds))
    for ln in rep["labels"]["namespaces"]:
        li = find("li", cls="label", data_label_uuid=ln["uuid"])
        check(li and ('"%s"' % ln["name"]) in li[0].text(),
              "label %s is listed with its name as stored" % ln["uuid"],
              repr(li[0].text()) if li else "missing")
    sc = find(id="split-check")
    check(sc, "the split-check section is there (#split-check)")
    splits = [ns for ns in rep["namespaces"] if ns.get("split")]
    if sc:
        want = "present" if splits else "none"
        check(sc[0].attrs.get("data-split-check") == want,
              "the split-check section says %s" % want, repr(sc[0].attrs.get("data-split-check")))
    # the split check of each namespace: its counts, every file with its
    # class (all mmap and mixed ones; write/unknown up to 200 a class), the
    # DAX note, the next commands, and the map of L and F
    for ns in splits:
        i, sp = ns["index"], ns["split"]
        d = find("div", cls="split", id="split-ns-%d" % i)
        if not d:
            check(False, "namespace %d: its split check (div#split-ns-%d)" % (i, i))
            continue
        d = d[0]
        check(d.attrs.get("data-split-ran") == ("true" if sp["ran"] else "false"),
              "namespace %d: the split check ran = %s" % (i, sp["ran"]), repr(d.attrs))
        if not sp["ran"]:
            continue
        for c, n in sp["counts"].items():
            check(d.attrs.get("data-split-" + c) == str(n),
                  "namespace %d: split check counts %d %s files" % (i, n, c),
                  repr(d.attrs.get("data-split-" + c)))
        check(d.attrs.get("data-default-view") == sp["default_view"],
              "namespace %d: default view %s" % (i, sp["default_view"]))
        rows = {r.attrs.get("data-split-path"): r for r in under(d, "tr") if "data-split-path" in r.attrs}
        seen = {}
        for fi in sp["files"]:
            seen[fi["class"]] = seen.get(fi["class"], 0) + 1
            if fi["class"] in ("write", "unknown") and seen[fi["class"]] > 200:
                continue
            r = rows.get(fi["path"])
            check(r is not None and r.attrs.get("data-split-class") == fi["class"],
                  "namespace %d: %s is listed as %s" % (i, fi["path"], fi["class"]),
                  repr(r.attrs) if r is not None else "not listed")
            if r is not None and fi["victims"]:
                vs = [v.text() for v in under(r, "li", cls="victim")]
                check(len(vs) == len(fi["victims"]) and all(
                          ("0x%x" % v["first_offset"]) in t and ("%d block" % v["blocks"]) in t
                          for v, t in zip(fi["victims"], vs)),
                      "namespace %d: %s's %d victims with their first offsets" % (i, fi["path"], len(vs)),
                      repr(vs))
        note = under(d, "p", cls="dax-note")
        check(note and note[0].text() == "DAX: " + sp["dax_note"],
              "namespace %d: the split check's DAX note" % i, repr(note[0].text()) if note else "none")
        cmds = [n.text() for n in under(d, "pre", cls="split-cmd")]
        check(cmds == sp["next"], "namespace %d: the split check's %d next commands" % (i, len(sp["next"])),
              repr(cmds))
        mapped = [fi for fi in sp["files"] if fi["class"] in ("mmap", "mixed")]
        m = find("svg", id="split-map-ns-%d" % i)
        if mapped:
            lr = under(m[0], "rect", cls="s-l") if m else []
            fr = under(m[0], "rect", cls="s-f") if m else []
            # each victim's first F position lies inside a drawn F rectangle
            firsts = [v["first_offset"] for fi in mapped for v in fi["victims"]]
            inside = all(any(int(r.attrs["data-off"]) <= o < int(r.attrs["data-end"]) for r in fr)
                         for o in firsts)
            check(m and lr and len(lr) == len(fr) and inside,
                  "namespace %d: the map draws the mmap/mixed files at L and at F (%d extents; every victim's first F offset inside one)"
                  % (i, len(fr)), "svg %s, %d L, %d F" % (bool(m), len(lr), len(fr)))
            check(all(int(r.attrs["data-off"]) - int(fr_.attrs["data-off"]) == sp["start_pad"]
                      for r, fr_ in zip(lr, fr)),
                  "namespace %d: each F extent lies start_pad (%d) below its L extent" % (i, sp["start_pad"]))
        else:
            check(not m, "namespace %d: no L/F map when no file was written through a mapping" % i)

    bad = 0
    for ok, what, why in results:
        print(("PASS " if ok else "FAIL ") + what + ("" if ok or not why else ": " + why))
        bad += not ok
    return 1 if bad else 0


sys.exit(main())
