#!/usr/bin/perl
# Runs Sisimai (the reference bounce parser, Debian libsisimai-perl) over every file given on
# the command line (directories are walked recursively, sorted) in ONE process, and prints one
# JSON object per decoded recipient: {"source","recipient","class","reason","status","action",
# "feedbacktype"}. Files Sisimai cannot decode print {"source", "decoded":false}.
# Usage: perl bench/sisimai_dump.pl PATH... > sisimai.jsonl
use strict;
use warnings;
use File::Find;
use JSON::PP;
use Sisimai;

my @files;
for my $p (@ARGV) {
    if (-d $p) {
        find({ wanted => sub { push @files, $File::Find::name if -f $_ }, no_chdir => 1 }, $p);
    } else {
        push @files, $p;
    }
}
@files = sort @files;
my $json = JSON::PP->new->canonical(1);
binmode STDOUT;
for my $f (@files) {
    my $v = eval { Sisimai->make($f, 'delivered' => 1) };
    if (!$v || !@$v) {
        print $json->encode({ source => $f, decoded => JSON::PP::false }), "\n";
        next;
    }
    for my $e (@$v) {
        my $soft = $e->softbounce;
        my $class = $soft == 1 ? 'soft' : $soft == 0 ? 'hard' : 'unknown';
        print $json->encode({
            source => $f, decoded => JSON::PP::true,
            recipient => lc($e->recipient->address // ''),
            class => $class, reason => ($e->reason // ''),
            status => ($e->deliverystatus // ''), action => ($e->action // ''),
            feedbacktype => ($e->feedbacktype // ''),
        }), "\n";
    }
}
