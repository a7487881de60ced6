/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where `make install` puts the documentation a message cites
 * (Makefile.am: dist_doc_DATA into $(docdir), passed as PS_DOCDIR). A
 * report names the installed file, never a path of the source tree
 * (tests/cli/doc-citations.sh).
 */
#ifndef PS_DOCDIR_H
#define PS_DOCDIR_H
#ifndef PS_DOCDIR
#define PS_DOCDIR "/usr/local/share/doc/pmemscan"
#endif
/* "DOCDIR/NAME" as a string literal */
#define PS_DOC(name) PS_DOCDIR "/" name
#endif
