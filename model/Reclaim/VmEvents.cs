using System.Text;

namespace MMSpec.Model.Reclaim;

/// <summary>
/// The /proc/vmstat event counters reclaim, swap and compaction move (enum vm_event_item), all since boot.
/// pgpgin and pgpgout are in KiB, as /proc/vmstat shows them (sectors halved): 4 per page of block IO.
/// </summary>
public sealed record VmEvents
{
    public ulong PgPgIn { get; init; }
    public ulong PgPgOut { get; init; }
    public ulong PswpIn { get; init; }
    public ulong PswpOut { get; init; }
    public ulong PgActivate { get; init; }
    public ulong PgDeactivate { get; init; }
    public ulong PgMajFault { get; init; }
    public ulong PgRefill { get; init; }
    public ulong PgStealDirect { get; init; }
    public ulong PgScanDirect { get; init; }
    public ulong PgScanAnon { get; init; }
    public ulong PgScanFile { get; init; }
    public ulong PgStealAnon { get; init; }
    public ulong PgStealFile { get; init; }
    /// <summary>pgmigrate_success: folios migrate_pages moved (compaction's moves here).</summary>
    public ulong PgMigrateSuccess { get; init; }
    public ulong CompactMigrateScanned { get; init; }
    public ulong CompactFreeScanned { get; init; }
    public ulong CompactIsolated { get; init; }
    public ulong CompactStall { get; init; }
    public ulong CompactFail { get; init; }
    public ulong CompactSuccess { get; init; }

    /// <summary>The counters in /proc/vmstat's order and names (mm/vmstat.c vmstat_text), with their values.</summary>
    public IEnumerable<(string Name, ulong Value)> Lines()
    {
        yield return ("pgpgin", PgPgIn);
        yield return ("pgpgout", PgPgOut);
        yield return ("pswpin", PswpIn);
        yield return ("pswpout", PswpOut);
        yield return ("pgactivate", PgActivate);
        yield return ("pgdeactivate", PgDeactivate);
        yield return ("pgmajfault", PgMajFault);
        yield return ("pgrefill", PgRefill);
        yield return ("pgsteal_kswapd", 0);
        yield return ("pgsteal_direct", PgStealDirect);
        yield return ("pgscan_kswapd", 0);
        yield return ("pgscan_direct", PgScanDirect);
        yield return ("pgscan_anon", PgScanAnon);
        yield return ("pgscan_file", PgScanFile);
        yield return ("pgsteal_anon", PgStealAnon);
        yield return ("pgsteal_file", PgStealFile);
        yield return ("pgmigrate_success", PgMigrateSuccess);
        yield return ("compact_migrate_scanned", CompactMigrateScanned);
        yield return ("compact_free_scanned", CompactFreeScanned);
        yield return ("compact_isolated", CompactIsolated);
        yield return ("compact_stall", CompactStall);
        yield return ("compact_fail", CompactFail);
        yield return ("compact_success", CompactSuccess);
    }

    /// <summary>These lines of /proc/vmstat: "name value", one a line, as vmstat_show prints them.</summary>
    public string VmstatText()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Lines())
        {
            text.Append(name).Append(' ').Append(value).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The counters that differ from <paramref name="other"/>'s, as "name a vs b".</summary>
    public string Differences(VmEvents other) =>
        string.Join(", ", Lines().Zip(other.Lines()).Where(p => p.First.Value != p.Second.Value)
            .Select(p => $"{p.First.Name} {p.First.Value} vs {p.Second.Value}"));
}
