package netem_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"time"

	"github.com/sovbench/sovbench/lab/netem"
)

// Two namespaces made with "ip netns add", 10 ms apart. The lab then gives
// each TUN device its addresses and routes the lab prefixes into it, e.g.
// "ip -n lab-a addr add 198.18.0.1/32 dev nta" and
// "ip -n lab-a route add 198.18.0.0/15 dev nta".
func ExampleStart() {
	r, err := netem.Start(context.Background(), netem.Config{
		Ports: []netem.Port{
			{Name: "a", Namespace: "lab-a", Device: "nta", Routes: []netip.Prefix{netip.MustParsePrefix("198.18.0.1/32")}},
			{Name: "b", Namespace: "lab-b", Device: "ntb", Routes: []netip.Prefix{netip.MustParsePrefix("198.18.0.2/32")}},
		},
		Delay:    func(src, dst netip.Addr) time.Duration { return 10 * time.Millisecond },
		Realtime: 10,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	s := r.Stats()
	fmt.Println(s.Ports[0].TxPackets, s.Lateness.Quantile(0.99))
}
