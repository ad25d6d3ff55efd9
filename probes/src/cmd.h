/* The fabprobe subcommands; each returns the process exit status. */
#ifndef FPROBE_CMD_H
#define FPROBE_CMD_H

int fprobe_cmd_inventory(int argc, char **argv);
int fprobe_cmd_serve(int argc, char **argv);
int fprobe_cmd_probe(int argc, char **argv); /* bw, lat, ib-bw, ib-lat */
int fprobe_cmd_round(int argc, char **argv);

#endif
