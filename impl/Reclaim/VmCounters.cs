using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>The vm_event_item counters reclaim moves, as plain fields (count_vm_event is one increment).</summary>
internal sealed class VmCounters
{
    public ulong PgPgIn;
    public ulong PgPgOut;
    public ulong PswpIn;
    public ulong PswpOut;
    public ulong PgActivate;
    public ulong PgDeactivate;
    public ulong PgMajFault;
    public ulong PgRefill;
    public ulong PgStealDirect;
    public ulong PgScanDirect;
    public ulong PgScanAnon;
    public ulong PgScanFile;
    public ulong PgStealAnon;
    public ulong PgStealFile;
    public ulong PgMigrateSuccess;
    public ulong CompactMigrateScanned;
    public ulong CompactFreeScanned;
    public ulong CompactIsolated;
    public ulong CompactStall;
    public ulong CompactFail;
    public ulong CompactSuccess;

    public VmEvents ToEvents() => new()
    {
        PgPgIn = PgPgIn, PgPgOut = PgPgOut, PswpIn = PswpIn, PswpOut = PswpOut, PgActivate = PgActivate,
        PgDeactivate = PgDeactivate, PgMajFault = PgMajFault, PgRefill = PgRefill, PgStealDirect = PgStealDirect,
        PgScanDirect = PgScanDirect, PgScanAnon = PgScanAnon, PgScanFile = PgScanFile, PgStealAnon = PgStealAnon,
        PgStealFile = PgStealFile, PgMigrateSuccess = PgMigrateSuccess, CompactMigrateScanned = CompactMigrateScanned,
        CompactFreeScanned = CompactFreeScanned, CompactIsolated = CompactIsolated, CompactStall = CompactStall,
        CompactFail = CompactFail, CompactSuccess = CompactSuccess,
    };
}

/// <summary>A translation one CPU's TLB caches: the frame and whether a write may use it (W and D).</summary>
internal readonly record struct TlbData(int Frame, bool Writable, bool Dirty);

/// <summary>One zone's _watermark[WMARK_MIN/LOW/HIGH], in pages, and its span.</summary>
internal readonly record struct ZoneMarks(int Start, int End, ulong Min, ulong Low, ulong High);
