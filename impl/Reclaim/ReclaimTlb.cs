using System.Collections.Immutable;
using System.Diagnostics;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using TlbEntry = MMSpec.Model.Reclaim.TlbEntry;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// One CPU's TLB: its entries by address space and virtual page, kept in 512-entry leaves as the page table keeps its
/// PTEs (a leaf per 2 MiB of one address space), so that a flush of one page (flush_tlb_page, as migration and
/// reclaim do a page at a time) reaches a small leaf found in a small table, not a slot of a hash table with an entry
/// per page ever touched: with a million entries that hash table made every migration's flush a cache miss.
/// </summary>
internal sealed class ReclaimTlb
{
    private const int LeafShift = 9;
    private const int LeafEntries = 1 << LeafShift;

    private readonly Dictionary<(int Mm, ulong Leaf), Leaf> _leaves = [];

    /// <summary>Counts the changes: a snapshot of the entries stays right while it is the same.</summary>
    public int Generation { get; private set; }

    /// <summary>The entries this CPU holds.</summary>
    public int Count => _leaves.Values.Sum(leaf => leaf.Count);

    /// <summary>The entry for the page, if this CPU holds one.</summary>
    public bool TryGet(int mm, ulong vpn, out TlbData entry)
    {
        if (_leaves.TryGetValue((mm, vpn >> LeafShift), out var leaf) && leaf.Entries[Slot(vpn)].Frame >= 0)
        {
            entry = leaf.Entries[Slot(vpn)];
            return true;
        }

        entry = default;
        return false;
    }

    /// <summary>A TLB fill: the page's entry, replacing the one held.</summary>
    public void Set(int mm, ulong vpn, TlbData entry)
    {
        Debug.Assert(entry.Frame >= 0, "a TLB entry translates to a frame");
        if (!_leaves.TryGetValue((mm, vpn >> LeafShift), out var leaf))
        {
            leaf = new Leaf();
            _leaves.Add((mm, vpn >> LeafShift), leaf);
        }

        ref var slot = ref leaf.Entries[Slot(vpn)];
        Generation++;
        leaf.Count += slot.Frame < 0 ? 1 : 0;
        slot = entry;
    }

    /// <summary>flush_tlb_page on this CPU: the page's entry dropped, its leaf with it once empty.</summary>
    public void Remove(int mm, ulong vpn)
    {
        if (!_leaves.TryGetValue((mm, vpn >> LeafShift), out var leaf) || leaf.Entries[Slot(vpn)].Frame < 0)
        {
            return;
        }

        leaf.Entries[Slot(vpn)] = Leaf.Empty;
        Generation++;
        if (--leaf.Count == 0)
        {
            _leaves.Remove((mm, vpn >> LeafShift));
        }
    }

    /// <summary>flush_tlb_mm on this CPU: every entry of the address space.</summary>
    public void RemoveMm(int mm)
    {
        foreach (var key in _leaves.Keys.Where(k => k.Mm == mm).ToList())
        {
            _leaves.Remove(key);
            Generation++;
        }
    }

    /// <summary>
    /// Every entry in (address space, virtual page) order, as the snapshot's entries of <paramref name="cpu"/>: the
    /// leaves' keys sorted once (a value tuple sorts by address space, then leaf), then each leaf's slots in order.
    /// </summary>
    public void AddEntries(int cpu, ImmutableArray<TlbEntry>.Builder into)
    {
        var keys = new (int Mm, ulong Leaf)[_leaves.Count];
        _leaves.Keys.CopyTo(keys, 0);
        Array.Sort(keys);
        foreach (var key in keys)
        {
            var entries = _leaves[key].Entries;
            for (var i = 0; i < LeafEntries; i++)
            {
                if (entries[i].Frame >= 0)
                {
                    var vpn = (key.Leaf << LeafShift) + (ulong)i;
                    into.Add(new TlbEntry(new CpuId(cpu), new AsId(key.Mm), new VirtAddr(vpn * Pfn.PageSize),
                        new Pfn((ulong)entries[i].Frame), entries[i].Writable, entries[i].Dirty));
                }
            }
        }
    }

    private static int Slot(ulong vpn) => (int)(vpn & (LeafEntries - 1));

    /// <summary>One leaf: its entries (frame -1 where none) and how many it holds.</summary>
    private sealed class Leaf
    {
        public static readonly TlbData Empty = new(-1, false, false);

        public Leaf() => Array.Fill(Entries, Empty);

        public TlbData[] Entries { get; } = new TlbData[LeafEntries];

        public int Count { get; set; }
    }
}
