using System.Globalization;
using System.Text;

namespace MMSpec.Model.Buddy;

/// <summary>/proc/buddyinfo, byte for byte as mm/vmstat.c frag_show_print writes it.</summary>
public static class BuddyInfo
{
    /// <summary>One line per populated zone: "Node 0, zone %8s " then "%6lu " per order, then '\n'.</summary>
    public static string Render(BuddySnapshot snapshot, int node = 0)
    {
        var text = new StringBuilder();
        var counts = snapshot.Counts();
        foreach (var zone in snapshot.Layout.Zones)
        {
            text.Append(CultureInfo.InvariantCulture, $"Node {node}, zone {ZoneNames.Of(zone.Type),8} ");
            foreach (var count in counts[zone.Type])
            {
                text.Append(CultureInfo.InvariantCulture, $"{count,6} ");
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
