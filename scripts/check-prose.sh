#!/usr/bin/env bash
# Fails, naming file:line, when a comment or a doc carries history instead of documentation:
# a time of day (`22:16 UTC`, `at 23:20`), the word "tonight", or an issue number
# (`issue 15`, `issues 3 and 4`, `#15` in prose). History lives in commits.
#
#   scripts/check-prose.sh            the whole tree (tracked and untracked, not ignored; not
#                                     this file, whose examples match)
#   scripts/check-prose.sh FILE...    only these files
#
# What it reads: in *.rs, comments (`//`, `///`, `//!`, and a trailing `// ...` after code);
# in *.md under docs/, README.md and reports/README.md, every line; in scripts/ (and
# .ci/run), shell and Python comments (`# ...`, not the `#!` line). `#15` counts only after
# a space, a parenthesis or the start of the text, so Rust attributes (`#[`), `$#`, colour
# codes (`color:#222`) and `` `#1` `` in code spans do not match. A link to another project's
# issue is written as its URL.
set -euo pipefail

if [[ $# -gt 0 ]]; then
  files=("$@")
  for f in "${files[@]}"; do
    [[ -f "$f" ]] || { echo "error: $f: no such file" >&2; exit 2; }
  done
else
  cd "$(dirname "$0")/.."
  mapfile -t files < <(
    git ls-files --cached --others --exclude-standard -- \
      '*.rs' 'docs/*.md' README.md reports/README.md 'scripts/*' .ci/run |
      sort -u |
      while read -r f; do [[ -f "$f" && "$f" != scripts/check-prose.sh ]] && echo "$f"; done
  )
fi

perl -ne '
  BEGIN { $found = 0 }
  # A trailing comment: the first marker after code whose string literals are all closed.
  sub trailing {
    my ($line, $marker, $quotes) = @_;
    while ($line =~ /\s\Q$marker\E\s/g) {
      my $before = substr($line, 0, $-[0]);
      return substr($line, $-[0] + 1) unless grep { (() = $before =~ /$_/g) % 2 } @$quotes;
    }
    return undef;
  }
  my $text;
  if ($ARGV =~ /\.rs$/) {
    $text = m{^\s*(//.*)} ? $1 : trailing($_, "//", [q(")]);
  } elsif ($ARGV =~ /\.md$/) {
    $text = $_;
  } elsif (!($. == 1 && /^#!/)) {
    $text = /^\s*(#.*)/ ? $1 : trailing($_, "#", [q("), q(\x27)]);
  }
  if (defined $text) {
    my @why;
    push @why, "a time of day" if $text =~ /\b[0-2][0-9]:[0-5][0-9] ?UTC\b|\bat [0-2][0-9]:[0-5][0-9]\b/;
    push @why, "\"tonight\"" if $text =~ /\btonight\b/i;
    push @why, "an issue number" if $text =~ /\bissues? #?[0-9]+|(?:^|[\s(])#[0-9]+\b/i;
    if (@why) {
      chomp(my $line = $_);
      $line =~ s/^\s+//;
      printf "%s:%d: %s: %s\n", $ARGV, $., join(", ", @why), $line;
      $found++;
    }
  }
  close ARGV if eof;    # restart $. for the next file
  END {
    if ($found) {
      print STDERR "error: $found line(s) of comments or docs carry history (times of day, \"tonight\", issue numbers): say why in the present tense, and leave history to the commits\n";
      exit 1;
    }
  }
' "${files[@]}"
