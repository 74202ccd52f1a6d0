using System.Globalization;
using System.Text;

namespace MMSpec.Model.Slab;

/// <summary>
/// /proc/slabinfo version 2.1, as mm/slab_common.c print_slabinfo_header and cache_show write it for SLUB.
/// </summary>
public static class SlabInfo
{
    public const string Header =
        "slabinfo - version: 2.1\n"
        + "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
        + " : tunables <limit> <batchcount> <sharedfactor>"
        + " : slabdata <active_slabs> <num_slabs> <sharedavail>\n";

    /// <summary>
    /// The header, then one line per cache, newest first (create_cache adds to the head of slab_caches):
    /// "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu". SLUB has no tunables or
    /// shared arrays (0 0 0, sharedavail 0), and every slab counts as active (get_slabinfo).
    /// </summary>
    public static string Render(SlabSnapshot snapshot)
    {
        var text = new StringBuilder(Header);
        foreach (var cache in snapshot.Caches.Reverse())
        {
            var g = cache.Geometry;
            var slabs = cache.Slabs.Length;
            text.Append(CultureInfo.InvariantCulture,
                $"{cache.Name,-17} {cache.ActiveObjects,6} {cache.TotalObjects,6} {g.Size,6} {g.ObjectsPerSlab,4} "
                + $"{1 << g.Order.Value,4}");
                text.Append(
                    CultureInfo.InvariantCulture,
                    $" : tunables {0,4} {0,4} {0,4} : slabdata {slabs,6} {slabs,6} {0,6}\n");
        }

        return text.ToString();
    }
}
