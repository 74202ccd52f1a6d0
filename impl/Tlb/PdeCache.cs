using MMSpec.Model.Core;
using MMSpec.Model.Tlb;

namespace MMSpec.Impl.Tlb;

/// <summary>
/// A PDE cache (SDM 4.10.3.1): a few fully associative entries, each the page table of one 2 MiB region (4 MiB
/// with 2-level paging) in one PCID. Replacement is least recently used (a use stamp per entry). Flat arrays,
/// nothing allocated per lookup or fill.
/// </summary>
public sealed class PdeCache
{
    private readonly bool[] _valid;
    private readonly ulong[] _region;
    private readonly int[] _pcid;
    private readonly Pfn[] _pageTable;
    private readonly long[] _used;
    private long _clock;

    public PdeCache(int entries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entries, 1);
        _valid = new bool[entries];
        _region = new ulong[entries];
        _pcid = new int[entries];
        _pageTable = new Pfn[entries];
        _used = new long[entries];
    }

    public bool TryLookup(Pcid pcid, ulong region, out Pfn pageTable)
    {
        var slot = Find(pcid, region);
        pageTable = slot < 0 ? default : _pageTable[slot];
        if (slot >= 0)
        {
            _used[slot] = ++_clock;
        }

        return slot >= 0;
    }

    /// <summary>
    /// Into the slot that holds this region's entry already, else the first invalid slot, else the least recently
    /// used one.
    /// </summary>
    public void Fill(PdeCacheEntry entry)
    {
        var victim = Find(entry.Pcid, entry.Region);
        victim = victim >= 0 ? victim : Array.IndexOf(_valid, false);
        if (victim < 0)
        {
            victim = 0;
            for (var slot = 1; slot < _valid.Length; slot++)
            {
                victim = _used[slot] < _used[victim] ? slot : victim;
            }
        }

        _valid[victim] = true;
        _region[victim] = entry.Region;
        _pcid[victim] = entry.Pcid.Value;
        _pageTable[victim] = entry.PageTable;
        _used[victim] = ++_clock;
    }

    public void Invalidate(Pcid pcid, ulong region)
    {
        if (Find(pcid, region) is var slot and >= 0)
        {
            _valid[slot] = false;
        }
    }

    public void Invalidate(Pcid pcid)
    {
        for (var slot = 0; slot < _valid.Length; slot++)
        {
            _valid[slot] &= _pcid[slot] != pcid.Value;
        }
    }

    public void InvalidateAll() => Array.Clear(_valid);

    /// <summary>The valid entries slot by slot.</summary>
    public IReadOnlyCollection<PdeCacheEntry> Entries() =>
        [.. Enumerable.Range(0, _valid.Length).Where(s => _valid[s])
            .Select(s => new PdeCacheEntry(new Pcid(_pcid[s]), _region[s], _pageTable[s]))];

    private int Find(Pcid pcid, ulong region)
    {
        for (var slot = 0; slot < _valid.Length; slot++)
        {
            if (_valid[slot] && _region[slot] == region && _pcid[slot] == pcid.Value)
            {
                return slot;
            }
        }

        return -1;
    }
}
