using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Impl.Tlb;

/// <summary>
/// A set-associative TLB like an L1 dTLB: a page's entry lives in set vpn mod sets, in one of its ways; an entry
/// matches when valid, for the same page, and global or of the current PCID. Replacement is least recently used
/// within the set (a use stamp per way). Flat arrays, nothing allocated per lookup or fill. Beside it, the CPU's
/// <see cref="PdeCache"/>.
/// </summary>
public sealed class SetAssociativeTlb : ITlb
{
    private readonly int _sets;
    private readonly int _ways;
    private readonly bool[] _valid;
    private readonly ulong[] _vpn;
    private readonly int[] _pcid;
    private readonly bool[] _global;
    private readonly Translation[] _translation;
    private readonly long[] _used;
    private readonly PdeCache _pdeCache;
    private long _clock;

    public SetAssociativeTlb(int sets, int ways, int pdeEntries)
    {
        if (sets < 1 || ways < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(sets),
                $"{sets} sets of {ways} ways: a TLB needs at least one entry");
        }

        _sets = sets;
        _ways = ways;
        var entries = sets * ways;
        _valid = new bool[entries];
        _vpn = new ulong[entries];
        _pcid = new int[entries];
        _global = new bool[entries];
        _translation = new Translation[entries];
        _used = new long[entries];
        _pdeCache = new PdeCache(pdeEntries);
    }

    public long Hits { get; private set; }

    public long Misses { get; private set; }

    public bool TryLookup(Pcid pcid, ulong vpn, out TlbEntry entry)
    {
        var way = Find(vpn, pcid.Value);
        if (way < 0)
        {
            Misses++;
            entry = default;
            return false;
        }

        Hits++;
        _used[way] = ++_clock;
        entry = new TlbEntry(_global[way] ? default : new Pcid(_pcid[way]), vpn, _translation[way], _global[way]);
        return true;
    }

    /// <summary>
    /// Into the way of the set that holds this page's entry already, else the set's first invalid way, else its
    /// least recently used way.
    /// </summary>
    public void Fill(TlbEntry entry)
    {
        var start = SetOf(entry.Vpn);
        var victim = -1;
        for (var way = start; way < start + _ways && victim < 0; way++)
        {
            if (_valid[way] && _vpn[way] == entry.Vpn && _global[way] == entry.Global && _pcid[way] == entry.Pcid.Value)
            {
                victim = way;
            }
        }

        for (var way = start; way < start + _ways && victim < 0; way++)
        {
            if (!_valid[way])
            {
                victim = way;
            }
        }

        if (victim < 0)
        {
            victim = start;
            for (var way = start + 1; way < start + _ways; way++)
            {
                victim = _used[way] < _used[victim] ? way : victim;
            }
        }

        _valid[victim] = true;
        _vpn[victim] = entry.Vpn;
        _pcid[victim] = entry.Pcid.Value;
        _global[victim] = entry.Global;
        _translation[victim] = entry.Translation;
        _used[victim] = ++_clock;
    }

    public void InvalidatePage(Pcid pcid, ulong vpn, bool includingGlobal)
    {
        var start = SetOf(vpn);
        for (var way = start; way < start + _ways; way++)
        {
            if (_valid[way] && _vpn[way] == vpn && (_global[way] ? includingGlobal : _pcid[way] == pcid.Value))
            {
                _valid[way] = false;
            }
        }
    }

    public void InvalidateRange(Pcid pcid, ulong first, ulong last)
    {
        for (var way = 0; way < _valid.Length; way++)
        {
            if (_valid[way] && !_global[way] && _pcid[way] == pcid.Value && _vpn[way] >= first && _vpn[way] <= last)
            {
                _valid[way] = false;
            }
        }
    }

    public void InvalidateGlobalRange(ulong first, ulong last)
    {
        for (var way = 0; way < _valid.Length; way++)
        {
            if (_valid[way] && _global[way] && _vpn[way] >= first && _vpn[way] <= last)
            {
                _valid[way] = false;
            }
        }
    }

    public void InvalidatePcid(Pcid pcid)
    {
        for (var way = 0; way < _valid.Length; way++)
        {
            if (_valid[way] && !_global[way] && _pcid[way] == pcid.Value)
            {
                _valid[way] = false;
            }
        }
    }

    public void InvalidateAll(bool includingGlobal)
    {
        for (var way = 0; way < _valid.Length; way++)
        {
            if (includingGlobal || !_global[way])
            {
                _valid[way] = false;
            }
        }
    }

    /// <summary>The valid entries way by way, set 0's ways first; a global entry carries no PCID.</summary>
    public IReadOnlyCollection<TlbEntry> Entries() =>
        [.. Enumerable.Range(0, _valid.Length).Where(w => _valid[w])
            .Select(w => new TlbEntry(
                _global[w] ? default : new Pcid(_pcid[w]), _vpn[w], _translation[w], _global[w]))];

    public bool TryLookupPageTable(Pcid pcid, ulong region, out Pfn pageTable) =>
        _pdeCache.TryLookup(pcid, region, out pageTable);

    public void FillPageTable(PdeCacheEntry entry) => _pdeCache.Fill(entry);

    public void InvalidatePageTable(Pcid pcid, ulong region) => _pdeCache.Invalidate(pcid, region);

    public void InvalidatePageTables(Pcid pcid) => _pdeCache.Invalidate(pcid);

    public void InvalidateAllPageTables() => _pdeCache.InvalidateAll();

    public IReadOnlyCollection<PdeCacheEntry> PageTables() => _pdeCache.Entries();

    private int SetOf(ulong vpn) => (int)(vpn % (ulong)_sets) * _ways;

    private int Find(ulong vpn, int pcid)
    {
        var start = SetOf(vpn);
        for (var way = start; way < start + _ways; way++)
        {
            if (_valid[way] && _vpn[way] == vpn && (_global[way] || _pcid[way] == pcid))
            {
                return way;
            }
        }

        return -1;
    }
}
