// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ReceiptRegistry
/// @notice Anchors the hashes of datavault job receipts on chain, once each. A receipt is signed
/// off chain by the compute node (EIP-712); anchoring it here gives owners and buyers a public,
/// timestamped record that this node vouched for it, without putting any receipt content on chain.
contract ReceiptRegistry {
    /// @dev Per node, so nobody can anchor a hash in another node's name or block it by anchoring first.
    mapping(address node => mapping(bytes32 receiptHash => uint64 timestamp)) private _anchors;

    /// @notice A receipt hash was anchored by `node` (the sender) at block time `timestamp`.
    event ReceiptAnchored(bytes32 indexed receiptHash, address indexed node, uint256 timestamp);

    /// @notice The sender anchored this hash before; a node anchors a receipt once.
    error ReceiptAlreadyAnchored(bytes32 receiptHash, address node, uint256 timestamp);

    /// @notice The zero hash is not a receipt hash.
    error EmptyReceiptHash();

    /// @notice Anchors `receiptHash` for the sender (the node that signed the receipt). Reverts if
    /// the sender anchored it before.
    function anchor(bytes32 receiptHash) external {
        if (receiptHash == bytes32(0)) revert EmptyReceiptHash();
        uint64 existing = _anchors[msg.sender][receiptHash];
        if (existing != 0) revert ReceiptAlreadyAnchored(receiptHash, msg.sender, existing);
        _anchors[msg.sender][receiptHash] = uint64(block.timestamp);
        emit ReceiptAnchored(receiptHash, msg.sender, block.timestamp);
    }

    /// @notice When `node` anchored `receiptHash`; 0 if it never did.
    function anchorOf(address node, bytes32 receiptHash) external view returns (uint256 timestamp) {
        return _anchors[node][receiptHash];
    }
}
