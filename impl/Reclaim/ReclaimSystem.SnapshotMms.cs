using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// The snapshot's address spaces (docs/reclaim.md, "The snapshot"): in id order, each the last snapshot's while its
/// mappings and entries are as they were, else read again with its entries in address order.
/// </summary>
public sealed partial class ReclaimSystem
{
    private readonly List<ReclaimMm> _mmOrder = [];
    private ulong[] _sortedVpns = [];

    private ImmutableArray<MmState> MmStates(ImmutableArray<MmState> last)
    {
        _mmOrder.Clear();
        _mmOrder.AddRange(_mms.Values);
        _mmOrder.Sort((a, b) => a.Id.Value.CompareTo(b.Id.Value));
        var (reused, at) = (0, 0);
        var mms = new MmState[_mmOrder.Count];
        for (var i = 0; i < mms.Length; i++)
        {
            var m = _mmOrder[i];
            while (at < last.Length && last[at].Id.Value < m.Id.Value)
            {
                at++;
            }

            var same = at < last.Length && last[at].Id == m.Id;
            var keep = same && Matches(last[at], m);
            mms[i] = keep ? last[at] : MmStateOf(m, same ? last[at] : null);
            reused += keep ? 1 : 0;
        }

        return reused == last.Length && mms.Length == last.Length ? last
            : ImmutableCollectionsMarshal.AsImmutableArray(mms);
    }

    /// <summary>
    /// The address space's state: its entries' pages sorted once (in a buffer kept between snapshots), each entry
    /// read by its page; the mappings of <paramref name="last"/> when they are still the same.
    /// </summary>
    private MmState MmStateOf(ReclaimMm m, MmState? last)
    {
        if (_sortedVpns.Length < m.Ptes.Count)
        {
            _sortedVpns = new ulong[Math.Max(m.Ptes.Count, 2 * _sortedVpns.Length)];
        }

        m.Ptes.Keys.CopyTo(_sortedVpns, 0);
        var vpns = _sortedVpns.AsSpan(0, m.Ptes.Count);
        vpns.Sort();
        var ptes = new PteState[vpns.Length];
        for (var i = 0; i < vpns.Length; i++)
        {
            ptes[i] = PteStateOf(vpns[i], m.Ptes[vpns[i]]);
        }

        var mappings = last is not null && MappingsMatch(last, m) ? last.Mappings
            : [.. m.Mappings.Select(v => v.State)];
        return new(m.Id, mappings, ImmutableCollectionsMarshal.AsImmutableArray(ptes));
    }

    /// <summary>Whether the address space still has the mappings and entries of <paramref name="state"/>.</summary>
    private static bool Matches(MmState state, ReclaimMm m)
    {
        if (state.Ptes.Length != m.Ptes.Count || !MappingsMatch(state, m))
        {
            return false;
        }

        // As many entries as the state's, each of them held: the same set.
        foreach (var pte in state.Ptes)
        {
            if (!m.Ptes.TryGetValue(pte.Addr.Vpn, out var held) || PteStateOf(pte.Addr.Vpn, held) != pte)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the address space's mappings are those of <paramref name="state"/>, field by field.</summary>
    private static bool MappingsMatch(MmState state, ReclaimMm m)
    {
        if (state.Mappings.Length != m.Mappings.Count)
        {
            return false;
        }

        for (var i = 0; i < state.Mappings.Length; i++)
        {
            var (was, now) = (state.Mappings[i], m.Mappings[i]);
            if (was.Start.Vpn != now.FirstVpn || was.Pages != now.Pages || was.Kind != now.Kind
                || was.Owner != now.Object)
            {
                return false;
            }
        }

        return true;
    }

    private static PteState PteStateOf(ulong vpn, Pte pte)
    {
        var addr = new VirtAddr(vpn * Pfn.PageSize);
        return pte.IsSwap
            ? new PteState(addr, null, pte.Swap, false, false, false)
            : new PteState(addr, new Pfn((ulong)pte.Frame), null, pte.Writable, pte.Young, pte.Dirty);
    }
}
