/* What the kernel says this process holds on RDMA devices, for the tests
 * that check teardown releases everything. */
#ifndef FCOLL_TEST_VERBS_OBJECTS_H
#define FCOLL_TEST_VERBS_OBJECTS_H

/* QPs, CQs, MRs and PDs of this process on any RDMA device, as iproute2's
 * rdma tool reports them (rdma resource show); -1 if it cannot be asked. */
int verbs_objects(void);

#endif
