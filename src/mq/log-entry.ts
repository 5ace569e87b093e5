// Column width of MQ's error log and FFST layouts: footers, FFST borders and wrapped text all end
// at column 79 in real logs, and the parser relies on the same constant.
export const LOG_WIDTH = 79;
